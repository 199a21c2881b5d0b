import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { D1_LIMITS, d1LimitProblems, statementShape, takeD1LimitViolations } from "../d1-limits";
import { db, signedInAs } from "../helpers";
import { issueLicense } from "../licensing/helpers";
import { createId } from "~/utils/ids";
import { licenseMachines, licenses, licenseUsageDaily } from "~drizzle/schema";

// D1's documented per-statement limits, enforced on the test binding by tests/setup.ts (tests/d1-limits.ts).
const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");

describe("D1 limits guard", () => {
  // The deliberate violations below are taken back, so setup's afterEach does not fail these tests.
  afterEach(() => void takeD1LimitViolations());

  it("refuses a large IN (…) on the binding the tests and the Worker share, with a message naming the limit", async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `lic_${i}`);
    const attempt = () => env.DB.prepare(`select id from licenses where id in (${marks(101)})`).bind(...ids);
    expect(attempt).toThrow(/D1 limit crossed: 101 bound parameters \(D1 allows 100; chunk\(\) the list or pass it as one JSON array to json_each\)\. Statement: select id from licenses where id in \(\?, \?/);
    expect(takeD1LimitViolations()).toHaveLength(1);
    // 100 is still allowed.
    await expect(env.DB.prepare(`select id from licenses where id in (${marks(100)})`).bind(...ids.slice(0, 100)).all()).resolves.toMatchObject({ success: true });
    // Through Drizzle and in a batch too (Drizzle binds when it runs).
    const many = Array.from({ length: 150 }, (_, i) => `lic_${i}`);
    const { inArray } = await import("drizzle-orm");
    await expect(db().select().from(licenses).where(inArray(licenses.id, many)).all()).rejects.toMatchObject({ cause: { message: expect.stringMatching(/^D1 limit crossed: 150 bound parameters/) } });
    await expect(db().batch([db().select().from(licenses).where(inArray(licenses.id, many))])).rejects.toThrow(/150 bound parameters/);
    expect(takeD1LimitViolations()).toEqual([expect.stringMatching(/150 bound parameters/), expect.stringMatching(/150 bound parameters/)]);
  });

  it("refuses statements over 100 KB, values over 2 MB, LIKE patterns over 50 bytes and functions with over 32 arguments", async () => {
    const long = `select 1 /* ${"x".repeat(D1_LIMITS.statementBytes)} */`;
    await expect(env.DB.prepare(long).first()).rejects.toThrow(/the statement is 100015 bytes long \(D1 allows 100000\)/);
    await expect(env.DB.exec(long)).rejects.toThrow(/exec'd SQL is 100015 bytes long/);
    expect(d1LimitProblems("select ?", ["é".repeat(1_000_001)])).toEqual(["parameter 1 is 2000002 bytes (D1 allows 2000000 per string or BLOB)"]);
    expect(() => env.DB.prepare("select id from users where email like ? and name = ?").bind(`%${"a".repeat(49)}%`, "x".repeat(80))).toThrow(/LIKE\/GLOB pattern \(parameter 1\) is 51 bytes \(D1 allows 50\)/);
    expect(d1LimitProblems("select 1 from users where name LIKE ?", ["%short%"])).toEqual([]);
    expect(d1LimitProblems(`select json_array(${marks(33)})`, Array(33).fill(1))).toEqual(["json_array() is called with 33 arguments (D1 allows 32)"]);
    expect(takeD1LimitViolations()).toHaveLength(3);
  });

  it("reads statements without mistaking lists, strings and comments for calls or patterns", () => {
    expect(statementShape(`insert into "t" ("a", "b") values (${marks(40)}), (${marks(40)})`).wideFunctions).toEqual([]);
    expect(statementShape(`select * from t where id in (${marks(60)}) and exists (select 1)`).wideFunctions).toEqual([]);
    expect(statementShape("select 'like ?' , ? -- like ?\n, \"x\" like ? , coalesce(?, ?)").patternParams).toEqual([1]);
    expect(statementShape(`select max(a, coalesce(${marks(33)}))`).wideFunctions).toEqual([{ name: "coalesce", args: 33 }]);
  });
});

describe("queries over an organization's every licence", () => {
  it("report usage and machines for an organization with 150 licences (one IN list each before)", async () => {
    const issued = await issueLicense();
    const base = await db().select().from(licenses).where(eq(licenses.id, issued.license.id)).get();
    const today = new Date().toISOString().slice(0, 10);
    const extra = Array.from({ length: 149 }, (_, i) => ({ ...base!, id: createId("license"), createdAt: base!.createdAt + i + 1 }));
    for (let i = 0; i < extra.length; i += 3) await db().insert(licenses).values(extra.slice(i, i + 3)).run();
    const all = [base!, ...extra];
    const t = Date.now();
    for (let i = 0; i < all.length; i += 10) {
      await db().insert(licenseUsageDaily).values(all.slice(i, i + 10).map((l) => ({ licenseId: l.id, day: today, validations: 3, valid: 2 }))).run();
      await db()
        .insert(licenseMachines)
        .values(all.slice(i, i + 10).map((l) => ({ id: createId("machine"), licenseId: l.id, fingerprint: `fp-${l.id}`, firstSeenAt: t, lastSeenAt: t })))
        .run();
    }
    const res = await issued.ownerBrowser.json(`/api/enterprise/usage?organizationId=${issued.license.organizationId}&from=${today}&to=${today}`);
    expect(res.status).toBe(200);
    expect(res.body.validations.total).toBe(450);
    expect(res.body.machines.active).toBe(150);
    expect(res.body.licenses).toHaveLength(150);
    // The enterprise dashboard lists the same licences (keys read in chunks of 90).
    const page = await issued.ownerBrowser.fetch(`/enterprise?organizationId=${issued.license.organizationId}`);
    expect(page.status).toBe(200);
    await page.arrayBuffer();
  });

  it("searches users and payments by an email fragment longer than a LIKE pattern may be", async () => {
    const { browser } = await signedInAs("admin");
    const fragment = `${"a".repeat(60)}@example.test`;
    for (const path of [`/admin/users?q=${fragment}`, `/admin/payments?q=${fragment}`]) {
      const res = await browser.fetch(path);
      expect([path, res.status]).toEqual([path, 200]);
      await res.arrayBuffer();
    }
  });
});

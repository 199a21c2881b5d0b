import { runDurableObjectAlarm } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { tokenTransactions, tokenWallets } from "~drizzle/schema";
import { db, insertUser } from "../helpers";
import { credit, projected, wallet } from "./helpers";

const snapshot = (userId: string) => wallet(userId).snapshot({ userId, at: Date.now(), timeZone: "UTC" });

describe("TokenWallet ledger", () => {
  it("credits awards of various amounts with the running balance on each entry", async () => {
    const user = await insertUser();
    for (const amount of [1, 10, 150, 999_999]) await credit(user.id, amount);
    const entries = await wallet(user.id).entries({ userId: user.id });
    expect(entries.map((e) => [e.type, e.amount, e.balanceAfter])).toEqual([
      ["award", 1, 1],
      ["award", 10, 11],
      ["award", 150, 161],
      ["award", 999_999, 1_000_160],
    ]);
    expect((await snapshot(user.id)).balance).toBe(1_000_160);
  });

  it("writes each source key once, however often and however concurrently it is sent", async () => {
    const user = await insertUser();
    const results = await Promise.all(Array.from({ length: 20 }, () => credit(user.id, 50, "course_completed:crs_same")));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.entry.id)).size).toBe(1);
    expect((await snapshot(user.id)).balance).toBe(50);
  });

  it("refuses invalid amounts and never writes them", async () => {
    const user = await insertUser();
    const w = wallet(user.id);
    for (const amount of [0, -5, 1.5, Number.MAX_SAFE_INTEGER + 2]) {
      expect(await w.credit({ userId: user.id, at: Date.now(), type: "award", amount, reason: "bad", sourceKey: `bad:${amount}` })).toMatchObject({ ok: false, code: "invalid" });
    }
    expect(await w.adjust({ userId: user.id, at: Date.now(), amount: 0, reason: "bad", sourceKey: "bad:0" })).toMatchObject({ ok: false, code: "invalid" });
    expect(await w.entries({ userId: user.id })).toEqual([]);
  });

  it("100 concurrent redeems against one wallet never overdraw", async () => {
    const user = await insertUser();
    await credit(user.id, 1000); // enough for 5 debits of 200
    const w = wallet(user.id);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => w.adjust({ userId: user.id, at: Date.now(), amount: -200, reason: "concurrent spend", sourceKey: `spend:${i}` })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === "insufficient_balance")).toBe(true);
    const state = await snapshot(user.id);
    expect(state.balance).toBe(0);
    const entries = await w.entries({ userId: user.id });
    expect(entries.every((e) => e.balanceAfter >= 0)).toBe(true);
    expect(entries).toHaveLength(6);
  });

  it("projects every entry to D1 through the alarm; the projection sums to the balance", async () => {
    const user = await insertUser();
    for (let i = 0; i < 30; i++) await credit(user.id, i + 1);
    await wallet(user.id).adjust({ userId: user.id, at: Date.now(), amount: -100, reason: "adjust", sourceKey: "adj:1" });
    // Run the scheduled alarm (the outbox path), then confirm nothing is left for flush to do.
    await runDurableObjectAlarm(wallet(user.id));
    const sums = await projected(user.id);
    const state = await snapshot(user.id);
    expect(sums.n).toBe(31);
    expect(sums.amount).toBe(state.balance);
    expect(state.balance).toBe((30 * 31) / 2 - 100);
    const row = await db().select().from(tokenWallets).where(eq(tokenWallets.userId, user.id)).get();
    expect(row).toMatchObject({ balance: state.balance, held: 0, lastSeq: 31 });
    // Projecting again writes nothing twice.
    await wallet(user.id).flush();
    const rows = await db().select().from(tokenTransactions).where(eq(tokenTransactions.userId, user.id)).all();
    expect(rows).toHaveLength(31);
  });
});

describe("TokenWallet first use", () => {
  it("a refused first operation leaves a usable wallet (its first-use row is rolled back with it)", async () => {
    const user = await insertUser();
    const w = wallet(user.id);
    expect(await w.hold({ userId: user.id, at: Date.now(), holdId: "h", amount: 10, reason: "x", ref: "payment:x" })).toMatchObject({ ok: false, code: "insufficient_balance" });
    expect(await w.releaseHold({ userId: user.id, at: Date.now(), holdId: "h", reason: "x" })).toMatchObject({ ok: false, code: "not_found" });
    expect((await credit(user.id, 5)).entry.balanceAfter).toBe(5);
  });
});

describe("the wallet page's time zone", () => {
  it("says which zone the streak counts days in, and offers the browser's when it differs", async () => {
    const { signedInAs } = await import("../helpers");
    const { learnerProfiles } = await import("~drizzle/schema");
    const learner = await signedInAs("student");
    learner.browser.cookies.set("tz", encodeURIComponent("Europe/Paris"));
    const text = async () => (await (await learner.browser.fetch("/wallet")).text()).replaceAll("<!-- -->", "").replaceAll("&#x27;", "'");
    const page = await text();
    expect(page).toContain("counted in your streak's time zone, UTC");
    expect(page).toContain("this browser is in Europe/Paris");
    expect(page).toContain("Count my days in Europe/Paris");
    const saved = await learner.browser.submit("/wallet", { intent: "settings", handle: `tz-${learner.user.id.slice(-8)}`, timeZone: "Europe/Paris" });
    expect(saved.status).toBe(200);
    expect((await db().select().from(learnerProfiles).where(eq(learnerProfiles.userId, learner.user.id)).get())!.timeZone).toBe("Europe/Paris");
    const after = await text();
    expect(after).toContain("time zone, Europe/Paris.");
    expect(after).not.toContain("Count my days in");
  });
});

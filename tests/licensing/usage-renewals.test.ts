import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { DAY, setClock } from "~/utils/clock";
import { auditLog, emailOutbox, licenseNotices } from "~drizzle/schema";
import worker from "../../workers/app";
import { Browser, db, insertUser, jsonBody, signedInAs, waitFor } from "../helpers";
import { activate, issueLicense, licenseRow, platformAdmin, validate } from "./helpers";

async function runCron(scheduledTime: number) {
  const controller = createScheduledController({ cron: "*/15 * * * *", scheduledTime });
  const ctx = createExecutionContext();
  await worker.scheduled!(controller, env, ctx);
  await waitOnExecutionContext(ctx);
}

const noticesFor = (to: string) =>
  db().select().from(emailOutbox).where(eq(emailOutbox.toAddress, to)).all().then((rows) => rows.filter((r) => r.subject.includes("license expires")));

describe("usage", () => {
  it("reports validations per day, active machines and seats for organization admins only", async () => {
    const { key, license, owner, ownerBrowser } = await issueLicense({ maxMachines: 4, maxSeats: 3 });
    await activate(key, "usage-machine-01");
    await activate(key, "usage-machine-02");
    for (let i = 0; i < 3; i++) await validate(key, { fingerprint: "usage-machine-01" });
    await validate(key, { fingerprint: "not-activated-01" });
    const today = new Date().toISOString().slice(0, 10);
    const res = await ownerBrowser.json(`/api/enterprise/usage?organizationId=${license.organizationId}&from=${today}&to=${today}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      organization: { id: license.organizationId },
      range: { from: today, to: today },
      validations: { total: 4, days: [{ day: today, validations: 4, valid: 3, invalid: 1 }] },
      machines: { active: 2, limit: 4 },
      seats: { used: 1, limit: 3 },
    });
    // Default range: the last 30 days, zeros included.
    expect((await ownerBrowser.json("/api/enterprise/usage")).body.validations.days).toHaveLength(30);

    // A plain member sees the dashboard but not usage; an outsider gets 404; platform admins see it.
    const member = await insertUser("student");
    expect((await ownerBrowser.submit(`/enterprise?organizationId=${license.organizationId}`, { intent: "add-member", email: member.email, role: "member" })).status).toBe(200);
    const memberBrowser = new Browser();
    await memberBrowser.login(member.email);
    expect((await memberBrowser.json(`/api/enterprise/usage?organizationId=${license.organizationId}`)).status).toBe(403);
    expect((await (await signedInAs("enterprise")).browser.json(`/api/enterprise/usage?organizationId=${license.organizationId}`)).status).toBe(404);
    expect((await (await platformAdmin()).browser.json(`/api/enterprise/usage?organizationId=${license.organizationId}`)).status).toBe(200);
    void owner;
  });

  it("seats: members beyond the license's seats are refused, even when added at once", async () => {
    const { license, ownerBrowser } = await issueLicense({ maxSeats: 3 });
    const people = await Promise.all(Array.from({ length: 5 }, () => insertUser("student")));
    const results = await Promise.all(people.map((p) => ownerBrowser.submit(`/enterprise?organizationId=${license.organizationId}`, { intent: "add-member", email: p.email, role: "member" })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(2); // the owner holds the first seat
    expect(results.filter((r) => r.status === 409)).toHaveLength(3);
    const usage = await ownerBrowser.json(`/api/enterprise/usage?organizationId=${license.organizationId}`);
    expect(usage.body.seats).toEqual({ used: 3, limit: 3 });
  });
});

describe("renewal notices and expiry", () => {
  it("sends the notice 30, 7 and 1 days before expiry, once per threshold, then expires the license", async () => {
    const start = Date.now();
    const { license, owner } = await issueLicense({ durationDays: 40 });
    const expiresAt = license.expiresAt;
    const at = (daysBefore: number) => expiresAt - daysBefore * DAY;

    let t = at(35);
    setClock(() => t);
    await runCron(t);
    expect(await db().select().from(licenseNotices).where(eq(licenseNotices.licenseId, license.id)).all()).toHaveLength(0);

    for (const [when, expected] of [[at(29.9), 1], [at(29), 1], [at(6.9), 2], [at(6), 2], [at(0.5), 3], [at(0.4), 3]] as const) {
      t = when;
      await runCron(t);
      await runCron(t); // twice: still once
      const mails = await waitFor(async () => {
        const m = await noticesFor(owner.email);
        return m.length >= expected ? m : undefined;
      });
      expect(mails).toHaveLength(expected);
    }
    const thresholds = (await db().select().from(licenseNotices).where(eq(licenseNotices.licenseId, license.id)).all()).map((n) => n.thresholdDays).sort((a, b) => a - b);
    expect(thresholds).toEqual([1, 7, 30]);

    t = expiresAt + 1;
    await runCron(t);
    expect((await licenseRow(license.id))!.status).toBe("expired");
    const expired = await db().select().from(auditLog).where(and(eq(auditLog.targetId, license.id), eq(auditLog.action, "license.expired"))).all();
    expect(expired).toHaveLength(1);
    expect(expired[0]!.actorId).toBeNull();
    void start;
    void jsonBody;
  });
});

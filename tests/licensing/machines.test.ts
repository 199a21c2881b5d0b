import { env } from "cloudflare:test";
import { and, eq, isNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { activateMachine, cullDeadMachines, deactivateMachineByToken, hashMachineToken } from "~/modules/licensing/licenses.server";
import { runLicenseRenewals } from "~/modules/licensing/renewals.server";
import { invalidateLicenseStatus } from "~/modules/licensing/status-cache.server";
import { DAY } from "~/utils/clock";
import { AppError } from "~/utils/errors";
import { auditLog, licenseMachines, licenses } from "~drizzle/schema";
import { db, jsonBody, ORIGIN } from "../helpers";
import { activate, adminChange, appWith, checkIn, deactivate, heartbeat, issueLicense, newClientIp, validate } from "./helpers";
import { SELF } from "cloudflare:test";

const machinesOf = (licenseId: string) => db().select().from(licenseMachines).where(eq(licenseMachines.licenseId, licenseId)).all();
const activeOf = async (licenseId: string) => (await machinesOf(licenseId)).filter((m) => m.deactivatedAt === null);
const auditCount = async (licenseId: string, action: string) => (await db().select().from(auditLog).where(and(eq(auditLog.targetId, licenseId), eq(auditLog.action, action))).all()).length;

/** Moves a machine's last heartbeat into the past (as if it went silent), behind the status cache's back, then drops the cache. */
async function silence(licenseId: string, msAgo: number, fingerprint?: string) {
  await db()
    .update(licenseMachines)
    .set({ lastHeartbeatAt: Date.now() - msAgo })
    .where(and(eq(licenseMachines.licenseId, licenseId), fingerprint ? eq(licenseMachines.fingerprint, fingerprint) : undefined))
    .run();
  const { app } = appWith();
  await invalidateLicenseStatus(app, licenseId);
}

const HEARTBEATS = { heartbeatIntervalSeconds: 60, heartbeatGraceSeconds: 30 };

describe("machine tokens", () => {
  it("are stored only as their SHA-256; deactivation needs the token, not a key and a fingerprint", async () => {
    const { key, license } = await issueLicense();
    const { body } = await activate(key, "token-machine-0001");
    const token = body.machineToken as string;
    const [row] = await machinesOf(license.id);
    expect(row!.tokenHash).toBe(await hashMachineToken(token));
    expect(JSON.stringify(row)).not.toContain(token.slice(4));
    // The old way (anyone holding the key could deactivate real machines by fingerprint) is refused.
    const old = await SELF.fetch(`${ORIGIN}/api/enterprise/licenses/deactivate`, jsonBody({ key, fingerprint: "token-machine-0001" }));
    expect(old.status).toBe(400);
    expect((await deactivate(`cmm_${"A".repeat(43)}`)).body).toMatchObject({ error: { code: "not_found", details: { code: "NO_MACHINE" } } });
    expect((await validate(key, { fingerprint: "token-machine-0001" })).body.code).toBe("VALID");
    expect((await deactivate(token)).body).toMatchObject({ deactivated: true });
  });

  it("a machine activated before tokens gets one by activating again (not a new machine)", async () => {
    const { key, license } = await issueLicense({ maxMachines: 1 });
    await activate(key, "legacy-machine-001");
    await db().update(licenseMachines).set({ tokenHash: null }).where(eq(licenseMachines.licenseId, license.id)).run();
    const claimed = await activate(key, "legacy-machine-001");
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ created: false, machineToken: expect.stringMatching(/^cmm_/) });
    expect((await heartbeat(claimed.body.machineToken)).status).toBe(200);
    expect(await machinesOf(license.id)).toHaveLength(1);
  });

  it("activation and deactivation are rate-limited per license and per client", async () => {
    const ip = newClientIp();
    const { key } = await issueLicense();
    const perLicense = appWith({ LICENSE_LIMIT_CHANGE_LICENSE: env.TEST_LIMIT_TWO }).app;
    const first = await activateMachine(perLicense, { key, fingerprint: "limited-machine-01" }, { ip });
    await activateMachine(perLicense, { key, fingerprint: "limited-machine-02" }, { ip });
    const refused = await activateMachine(perLicense, { key, fingerprint: "limited-machine-03" }, { ip }).catch((e: AppError) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "rate_limited", details: { limitedBy: "license" } });
    // Deactivation counts against the same license limit: a stolen key cannot churn machines either.
    expect(await deactivateMachineByToken(perLicense, { machineToken: first.machineToken }, { ip }).catch((e: AppError) => e.code)).toBe("rate_limited");

    const other = await issueLicense();
    const perClient = appWith({ LICENSE_LIMIT_CHANGE_CLIENT: env.TEST_LIMIT_TWO }).app;
    const clientIp = newClientIp();
    await activateMachine(perClient, { key: other.key, fingerprint: "client-machine-01" }, { ip: clientIp });
    await activateMachine(perClient, { key: other.key, fingerprint: "client-machine-02" }, { ip: clientIp });
    expect(await activateMachine(perClient, { key: other.key, fingerprint: "client-machine-03" }, { ip: clientIp }).catch((e: AppError) => e.details)).toMatchObject({ limitedBy: "address" });
    expect((await activateMachine(perClient, { key: other.key, fingerprint: "client-machine-03" }, { ip: newClientIp() })).created).toBe(true);
  });
});

describe("heartbeats", () => {
  it("a silent machine is dead after interval + grace: HEARTBEAT_DEAD, culled once, its slot freed", async () => {
    const { key, license } = await issueLicense({ maxMachines: 1, policy: HEARTBEATS });
    const a = await activate(key, "heartbeat-machine-a");
    expect(a.status).toBe(201);
    expect(a.body.machine.heartbeatDeadline - a.body.machine.lastHeartbeatAt).toBe(90_000);
    const beat = await heartbeat(a.body.machineToken);
    expect(beat.status).toBe(200);
    expect(beat.body.machine.heartbeatDeadline).toBeGreaterThanOrEqual(a.body.machine.heartbeatDeadline);
    expect((await validate(key, { fingerprint: "heartbeat-machine-a" })).body.code).toBe("VALID");
    expect((await activate(key, "heartbeat-machine-b")).body.error.details.code).toBe("TOO_MANY_MACHINES");

    await silence(license.id, 91_000);
    expect((await validate(key, { fingerprint: "heartbeat-machine-a" })).body).toMatchObject({ valid: false, code: "HEARTBEAT_DEAD", license: { machines: 0 } });
    expect((await validate(key)).body.code).toBe("VALID"); // the license itself is fine
    const late = await heartbeat(a.body.machineToken);
    expect(late.status).toBe(422);
    expect(late.body).toMatchObject({ error: { details: { code: "HEARTBEAT_DEAD" } } });
    expect((await heartbeat(a.body.machineToken)).body.error.details.code).toBe("HEARTBEAT_DEAD");
    expect(await auditCount(license.id, "license.machine_dead")).toBe(1);
    expect((await machinesOf(license.id))[0]).toMatchObject({ deactivatedReason: "heartbeat_dead" });

    expect((await activate(key, "heartbeat-machine-b")).status).toBe(201);
    expect((await validate(key, { fingerprint: "heartbeat-machine-a" })).body.code).toBe("FINGERPRINT_SCOPE_MISMATCH");
  });

  it("activation culls its license's dead machines first", async () => {
    const { key, license } = await issueLicense({ maxMachines: 1, policy: HEARTBEATS });
    await activate(key, "cull-on-activate-a");
    await silence(license.id, 120_000);
    expect((await activate(key, "cull-on-activate-b")).status).toBe(201);
    const machines = await machinesOf(license.id);
    expect(machines.find((m) => m.fingerprint === "cull-on-activate-a")).toMatchObject({ deactivatedReason: "heartbeat_dead" });
  });

  it("the same machine token used for 20 heartbeats at once is one machine", async () => {
    const { key, license } = await issueLicense({ maxMachines: 5, policy: HEARTBEATS });
    const { body } = await activate(key, "concurrent-heartbeat-1");
    const results = await Promise.all(Array.from({ length: 20 }, () => heartbeat(body.machineToken)));
    const ok = results.filter((r) => r.status === 200);
    // LICENSE_LIMIT_HEARTBEAT_MACHINE allows 10 a minute (more only if the window turned meanwhile).
    expect(ok.length).toBeGreaterThanOrEqual(10);
    expect(results.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    expect(new Set(ok.map((r) => r.body.machine.id))).toEqual(new Set([body.machine.id]));
    const machines = await machinesOf(license.id);
    expect(machines).toHaveLength(1);
    expect(machines[0]).toMatchObject({ deactivatedAt: null, tokenHash: await hashMachineToken(body.machineToken) });
    expect(await auditCount(license.id, "license.machine_activated")).toBe(1);
  });

  it("dead-machine culling racing new activations stays within the limit", async () => {
    const { key, license } = await issueLicense({ maxMachines: 3, policy: HEARTBEATS });
    for (const n of [1, 2, 3]) expect((await activate(key, `race-dead-machine-${n}`)).status).toBe(201);
    await silence(license.id, 120_000);
    const { app, done } = appWith();
    const [cronA, cronB, ...activations] = await Promise.all([
      runLicenseRenewals(app),
      cullDeadMachines(app),
      ...Array.from({ length: 6 }, (_, i) => activate(key, `race-new-machine-${i}`)),
    ]);
    await done();
    expect(activations.filter((r) => r.status === 201)).toHaveLength(3);
    expect(activations.filter((r) => r.status === 422)).toHaveLength(3);
    const active = await activeOf(license.id);
    expect(active).toHaveLength(3);
    expect(active.every((m) => m.fingerprint.startsWith("race-new-machine-"))).toBe(true);
    // Each dead machine was culled once, by whichever ran first.
    expect(await auditCount(license.id, "license.machine_dead")).toBe(3);
    expect((await machinesOf(license.id)).filter((m) => m.deactivatedReason === "heartbeat_dead")).toHaveLength(3);
    void cronA;
    void cronB;
  });

  it("turning heartbeats on starts the clock of machines activated long ago", async () => {
    const { key, license } = await issueLicense();
    await activate(key, "long-ago-machine-01");
    await db().update(licenseMachines).set({ firstSeenAt: Date.now() - 30 * DAY, lastHeartbeatAt: null }).where(eq(licenseMachines.licenseId, license.id)).run();
    expect((await adminChange(license.id, { action: "update_policy", policy: { heartbeatIntervalSeconds: 300 } })).status).toBe(200);
    expect((await validate(key, { fingerprint: "long-ago-machine-01" })).body.code).toBe("VALID");
    const { app } = appWith();
    expect(await cullDeadMachines(app, license.id)).toEqual([]);
  });
});

describe("check-ins and overage", () => {
  it("a license that must check in every N days answers OVERDUE past it, VALID after a check-in", async () => {
    const { key, license } = await issueLicense({ policy: { checkInIntervalDays: 7 } });
    const fresh = await validate(key);
    expect(fresh.body.code).toBe("VALID");
    expect(fresh.body.license.checkInDueAt).toBeGreaterThan(Date.now() + 6 * DAY);
    await db().update(licenses).set({ lastCheckInAt: Date.now() - 8 * DAY }).where(eq(licenses.id, license.id)).run();
    await invalidateLicenseStatus(appWith().app, license.id);
    expect((await validate(key)).body).toMatchObject({ valid: false, code: "OVERDUE" });
    const checked = await checkIn(key);
    expect(checked.status).toBe(200);
    expect(checked.body.nextCheckInBefore - checked.body.checkedInAt).toBe(7 * DAY);
    expect((await validate(key)).body.code).toBe("VALID");
    expect(await auditCount(license.id, "license.checked_in")).toBe(1);
    expect((await checkIn("CMLK1.forged.key")).body.error.details.code).toBe("INVALID_KEY");
  });

  it("overage tolerance lets activations go to 1.5x the limit, never further, and validation stays VALID", async () => {
    const { key, license } = await issueLicense({ maxMachines: 2, policy: { machineOverage: "1.5x" } });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => activate(key, `overage-machine-${i}`)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.find((r) => r.status === 422)!.body.error.details).toMatchObject({ code: "TOO_MANY_MACHINES", maxMachines: 2, machineCeiling: 3 });
    expect((await validate(key, { fingerprint: results.find((r) => r.status === 201)!.body.machine.fingerprint })).body).toMatchObject({
      code: "VALID",
      license: { machines: 3, maxMachines: 2, machineCeiling: 3 },
    });
    expect((await adminChange(license.id, { action: "update_policy", policy: { machineOverage: "none" } })).status).toBe(200);
    expect((await validate(key)).body.code).toBe("TOO_MANY_MACHINES");
    expect(await db().select().from(licenseMachines).where(and(eq(licenseMachines.licenseId, license.id), isNull(licenseMachines.deactivatedAt))).all()).toHaveLength(3);
  });
});

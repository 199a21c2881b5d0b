import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, licenseMachines } from "~drizzle/schema";
import { db, jsonBody, signedInAs } from "../helpers";
import { activate, adminChange, deactivate, issueLicense, validate } from "./helpers";

const machinesOf = (licenseId: string) => db().select().from(licenseMachines).where(eq(licenseMachines.licenseId, licenseId)).all();

describe("activation", () => {
  it("is idempotent per fingerprint, refuses past the limit, and deactivation frees a slot", async () => {
    const { key, license } = await issueLicense({ maxMachines: 2 });
    const first = await activate(key, "fp-alpha-000001", "Alpha");
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ created: true, machine: { fingerprint: "fp-alpha-000001", name: "Alpha", active: true } });
    const again = await activate(key, "fp-alpha-000001");
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, machine: { id: first.body.machine.id } });
    expect((await activate(key, "fp-beta-0000001")).status).toBe(201);
    const third = await activate(key, "fp-gamma-000001");
    expect(third.status).toBe(422);
    expect(third.body).toMatchObject({ error: { code: "unprocessable", details: { code: "TOO_MANY_MACHINES", maxMachines: 2 } } });

    const off = await deactivate(key, "fp-alpha-000001");
    expect(off).toMatchObject({ status: 200, body: { deactivated: true, machine: { active: false } } });
    expect((await deactivate(key, "fp-alpha-000001")).body.deactivated).toBe(false);
    expect((await validate(key, { fingerprint: "fp-alpha-000001" })).body.code).toBe("FINGERPRINT_SCOPE_MISMATCH");
    expect((await activate(key, "fp-gamma-000001")).status).toBe(201);
    // Reactivating a deactivated fingerprint counts against the limit again.
    expect((await activate(key, "fp-alpha-000001")).status).toBe(422);

    const actions = (await db().select().from(auditLog).where(eq(auditLog.targetId, license.id)).all()).map((a) => a.action);
    expect(actions.filter((a) => a === "license.machine_activated")).toHaveLength(3);
    expect(actions.filter((a) => a === "license.machine_deactivated")).toHaveLength(1);
  });

  it("concurrent activations never pass the machine limit", async () => {
    const { key, license } = await issueLicense({ maxMachines: 3 });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => activate(key, `race-machine-${String(i).padStart(4, "0")}`)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 422)).toHaveLength(5);
    expect((await machinesOf(license.id)).filter((m) => m.deactivatedAt === null)).toHaveLength(3);
  });

  it("concurrent activations of one fingerprint make one machine", async () => {
    const { key, license } = await issueLicense({ maxMachines: 1 });
    const results = await Promise.all(Array.from({ length: 5 }, () => activate(key, "same-machine-0001")));
    expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.machine.id)).size).toBe(1);
    expect(await machinesOf(license.id)).toHaveLength(1);
  });

  it("refuses keys that cannot activate, with the validation code", async () => {
    const { key, license } = await issueLicense();
    expect((await activate("CMLK1.bad.key", "fp-0000-0001")).body).toMatchObject({ error: { code: "forbidden", details: { code: "INVALID_KEY" } } });
    await adminChange(license.id, { action: "suspend" });
    const res = await activate(key, "fp-0000-0001");
    expect(res.status).toBe(403);
    expect(res.body.error.details.code).toBe("SUSPENDED");
    expect((await activate(key, "short")).status).toBe(400);
  });

  it("organization admins deactivate machines from the dashboard; other organizations cannot", async () => {
    const { key, license, ownerBrowser } = await issueLicense();
    const { body } = await activate(key, "dash-machine-0001", "Reception PC");
    const outsider = await signedInAs("enterprise");
    const denied = await outsider.browser.submit("/enterprise", { intent: "deactivate-machine", machineId: body.machine.id });
    expect(denied.status).toBe(404);
    // It asks first: the machine still validates until the owner confirms.
    const ask = await ownerBrowser.submit(`/enterprise?organizationId=${license.organizationId}`, { intent: "deactivate-machine", machineId: body.machine.id });
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain("Deactivate Reception PC?");
    expect((await validate(key, { fingerprint: "dash-machine-0001" })).body.code).toBe("VALID");
    const done = await ownerBrowser.submit(`/enterprise?organizationId=${license.organizationId}`, { intent: "deactivate-machine", machineId: body.machine.id, confirm: "yes" });
    expect(done.status).toBe(200);
    expect((await validate(key, { fingerprint: "dash-machine-0001" })).body.code).toBe("NO_MACHINE");
    void jsonBody;
  });
});

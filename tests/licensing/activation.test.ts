import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, licenseMachines } from "~drizzle/schema";
import { db, jsonBody, signedInAs } from "../helpers";
import { activate, adminChange, deactivate, heartbeat, issueLicense, validate } from "./helpers";

const machinesOf = (licenseId: string) => db().select().from(licenseMachines).where(eq(licenseMachines.licenseId, licenseId)).all();

describe("activation", () => {
  it("returns a machine token once, refuses the same active fingerprint and past the limit; the token deactivates", async () => {
    const { key, license } = await issueLicense({ maxMachines: 2 });
    const first = await activate(key, "fp-alpha-000001", "Alpha");
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ created: true, machine: { fingerprint: "fp-alpha-000001", name: "Alpha", active: true } });
    expect(first.body.machineToken).toMatch(/^cmm_[\w-]{43}$/);
    const again = await activate(key, "fp-alpha-000001");
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "conflict", details: { code: "FINGERPRINT_TAKEN", machineId: first.body.machine.id } } });
    expect(again.body.machineToken).toBeUndefined();
    expect((await activate(key, "fp-beta-0000001")).status).toBe(201);
    const third = await activate(key, "fp-gamma-000001");
    expect(third.status).toBe(422);
    expect(third.body).toMatchObject({ error: { code: "unprocessable", details: { code: "TOO_MANY_MACHINES", maxMachines: 2 } } });

    const off = await deactivate(first.body.machineToken);
    expect(off).toMatchObject({ status: 200, body: { deactivated: true, machine: { active: false, deactivatedReason: "key_holder" } } });
    expect((await deactivate(first.body.machineToken)).body.deactivated).toBe(false);
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

  it("concurrent activations of one fingerprint make one machine with one token", async () => {
    const { key, license } = await issueLicense({ maxMachines: 1 });
    const results = await Promise.all(Array.from({ length: 5 }, () => activate(key, "same-machine-0001")));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.details.code === "FINGERPRINT_TAKEN")).toBe(true);
    expect(results.filter((r) => r.status === 409)).toHaveLength(4);
    const machines = await machinesOf(license.id);
    expect(machines).toHaveLength(1);
    const winner = results.find((r) => r.status === 201)!;
    expect((await heartbeat(winner.body.machineToken)).status).toBe(200); // the one stored token is the winner's
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

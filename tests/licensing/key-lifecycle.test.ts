import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { signingKeys, signLicenseKey } from "~/modules/licensing/keys.server";
import { invalidateLicenseStatus } from "~/modules/licensing/status-cache.server";
import { auditLog, licenses, organizations } from "~drizzle/schema";
import { db, insertUser, jsonBody, ORIGIN, signedInAs } from "../helpers";
import { activate, appWith, checkIn, issueLicense, licenseRow, platformAdmin, validate, VALIDATE } from "./helpers";

const auditActions = async (licenseId: string) => (await db().select().from(auditLog).where(eq(auditLog.targetId, licenseId)).orderBy(auditLog.id).all()).map((a) => a.action);

describe("several keys per license, each revocable", () => {
  it("an organization admin issues a second key, revokes the first: KEY_REVOKED for it, VALID for the other", async () => {
    const { key: first, license, ownerBrowser } = await issueLicense();
    const listed = await ownerBrowser.json(`/api/enterprise/licenses/${license.id}/keys`);
    expect(listed.status).toBe(200);
    expect(listed.body.keys).toHaveLength(1);
    expect(listed.body.keys[0]).toMatchObject({ label: "Default key", revokedAt: null, key: first });
    const firstId = listed.body.keys[0].id as string;
    expect(firstId).toMatch(/^lky_/);

    const issued = await ownerBrowser.json(`/api/enterprise/licenses/${license.id}/keys`, jsonBody({ label: "Production 2027" }));
    expect(issued.status).toBe(201);
    expect(issued.body.key).toMatchObject({ label: "Production 2027", revokedAt: null });
    const second = issued.body.key.key as string;
    expect(second).not.toBe(first);
    expect((await validate(first)).body.code).toBe("VALID");
    expect((await validate(second)).body.code).toBe("VALID");

    const revoked = await ownerBrowser.json(`/api/enterprise/licenses/${license.id}/keys/${firstId}/revoke`, jsonBody({ reason: "leaked in a build log" }));
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ revoked: true, key: { id: firstId, revokedReason: "leaked in a build log", key: null } });
    // Seen at once here (the change drops this data centre's cached status).
    expect((await validate(first)).body).toMatchObject({ valid: false, code: "KEY_REVOKED", license: { id: license.id, status: "active" } });
    expect((await validate(second)).body.code).toBe("VALID");
    // A revoked key can no longer act: activate or check in.
    expect((await activate(first, "revoked-key-machine-1")).body).toMatchObject({ error: { code: "forbidden", details: { code: "KEY_REVOKED" } } });
    expect((await checkIn(first)).body).toMatchObject({ error: { details: { code: "KEY_REVOKED" } } });
    expect((await activate(second, "revoked-key-machine-1")).status).toBe(201);
    // Idempotent, and GET shows the newest usable key.
    expect((await ownerBrowser.json(`/api/enterprise/licenses/${license.id}/keys/${firstId}/revoke`, jsonBody({}))).body.revoked).toBe(false);
    expect((await ownerBrowser.json(`/api/enterprise/licenses/${license.id}`)).body.key).toBe(second);

    const actions = await auditActions(license.id);
    expect(actions.filter((a) => a === "license.key_issued")).toHaveLength(1);
    expect(actions.filter((a) => a === "license.key_revoked")).toHaveLength(1);
  });

  it("plain members cannot issue or revoke keys; other organizations get 404", async () => {
    const { license, ownerBrowser } = await issueLicense();
    const member = await insertUser("enterprise");
    expect((await ownerBrowser.submit(`/enterprise?organizationId=${license.organizationId}`, { intent: "add-member", email: member.email })).status).toBe(200);
    const { Browser } = await import("../helpers");
    const memberBrowser = new Browser();
    await memberBrowser.login(member.email);
    expect((await memberBrowser.json(`/api/enterprise/licenses/${license.id}/keys`, jsonBody({}))).status).toBe(403);
    expect((await memberBrowser.json(`/api/enterprise/licenses/${license.id}/keys`)).status).toBe(403);
    const outsider = await signedInAs("enterprise");
    expect((await outsider.browser.json(`/api/enterprise/licenses/${license.id}/keys`, jsonBody({}))).status).toBe(404);
    const keyId = (await ownerBrowser.json(`/api/enterprise/licenses/${license.id}/keys`)).body.keys[0].id;
    expect((await outsider.browser.json(`/api/enterprise/licenses/${license.id}/keys/${keyId}/revoke`, jsonBody({}))).status).toBe(404);
    expect((await ownerBrowser.json(`/api/enterprise/licenses/${license.id}/keys`, jsonBody({ label: "x", extra: 1 }))).status).toBe(400);
  });

  it("the original key of a license from before per-key management validates until it is revoked", async () => {
    const { license, ownerBrowser } = await issueLicense();
    // A license created before this release: it was handed a key without a key id.
    await db().update(licenses).set({ originalKeyRevokedAt: null }).where(eq(licenses.id, license.id)).run();
    const row = (await licenseRow(license.id))!;
    const original = await signLicenseKey(await signingKeys(env.LICENSE_SIGNING_KEY), {
      licenseId: row.id,
      organizationId: row.organizationId,
      tier: row.tier,
      features: row.features,
      maxSeats: row.maxSeats,
      maxMachines: row.maxMachines,
      issuedAt: row.updatedAt,
      expiresAt: row.expiresAt,
    });
    const { app } = appWith();
    await invalidateLicenseStatus(app, license.id); // the direct D1 change above went behind the cache's back
    expect((await validate(original)).body.code).toBe("VALID");
    const keys = (await ownerBrowser.json(`/api/enterprise/licenses/${license.id}/keys`)).body.keys;
    expect(keys.map((k: { id: string }) => k.id)).toEqual(["original", expect.stringMatching(/^lky_/)]);
    expect(keys[0]).toMatchObject({ label: "Original key", key: original });

    expect((await ownerBrowser.json(`/api/enterprise/licenses/${license.id}/keys/original/revoke`, jsonBody({}))).status).toBe(200);
    expect((await validate(original)).body.code).toBe("KEY_REVOKED");
    expect((await validate(keys[1].key)).body.code).toBe("VALID");
  });

  it("the dashboard issues a key and asks before revoking one", async () => {
    const { key, license, ownerBrowser } = await issueLicense();
    const page = `/enterprise?organizationId=${license.organizationId}`;
    const issued = await ownerBrowser.submit(page, { intent: "issue-key", licenseId: license.id, label: "Staging" });
    expect(issued.status).toBe(200);
    const html = await issued.text();
    expect(html).toContain("New key “Staging” issued");
    const keyId = (await ownerBrowser.json(`/api/enterprise/licenses/${license.id}/keys`)).body.keys[0].id;
    const ask = await ownerBrowser.submit(page, { intent: "revoke-key", licenseId: license.id, keyId });
    expect(await ask.text()).toContain("Revoke the key “Default key”?");
    expect((await validate(key)).body.code).toBe("VALID"); // nothing happened yet
    const done = await ownerBrowser.submit(page, { intent: "revoke-key", licenseId: license.id, keyId, confirm: "yes" });
    expect(await done.text()).toContain("was revoked");
    expect((await validate(key)).body.code).toBe("KEY_REVOKED");
  });
});

describe("strict input and a stable contract", () => {
  it("licenses/create refuses unknown fields and strings for numbers, creating nothing", async () => {
    const { browser } = await platformAdmin();
    const owner = await insertUser("enterprise");
    const base = { organizationName: `Strict ${owner.id.slice(-6)}`, ownerEmail: owner.email, durationDays: 365 };
    const typo = await browser.json("/api/enterprise/licenses/create", jsonBody({ ...base, maxSeat: 500 }));
    expect(typo.status).toBe(400);
    expect(typo.body).toMatchObject({ error: { code: "validation_failed" } });
    const stringly = await browser.json("/api/enterprise/licenses/create", jsonBody({ ...base, maxSeats: "500" }));
    expect(stringly.status).toBe(400);
    const badPolicy = await browser.json("/api/enterprise/licenses/create", jsonBody({ ...base, policy: { heartbeatIntervalSeconds: 120, heartbeatEvery: 5 } }));
    expect(badPolicy.status).toBe(400);
    expect(await db().select().from(organizations).where(eq(organizations.name, base.organizationName)).all()).toEqual([]); // nothing was created
    const created = await browser.json("/api/enterprise/licenses/create", jsonBody({ ...base, maxSeats: 500, policy: { heartbeatIntervalSeconds: 600, checkInIntervalDays: 30, machineOverage: "1.25x" } }));
    expect(created.status).toBe(201);
    expect(created.body.license).toMatchObject({ maxSeats: 500, policy: { heartbeatIntervalSeconds: 600, heartbeatGraceSeconds: 60, checkInIntervalDays: 30, machineOverage: "1.25x", machineCeiling: 125 } });
  });

  it("validation answers 200 with a code for any key string: too long, empty, in the URL, the header or a JSON body", async () => {
    const { key } = await issueLicense();
    const long = "CMLK1." + "A".repeat(5000) + ".sig";
    for (const candidate of [long, "", "x".repeat(8000), `${key}${"=".repeat(4100)}`]) {
      const viaUrl = await validate(candidate);
      expect(viaUrl.status, `length ${candidate.length}`).toBe(200);
      expect(viaUrl.body).toMatchObject({ valid: false, code: "INVALID_KEY", license: null });
    }
    const viaHeader = await SELF.fetch(`${ORIGIN}${VALIDATE}`, { headers: { Authorization: `License ${long}` } });
    expect(viaHeader.status).toBe(200);
    expect(await viaHeader.json()).toMatchObject({ code: "INVALID_KEY" });
    const viaBody = await SELF.fetch(`${ORIGIN}${VALIDATE}`, jsonBody({ key: "k".repeat(40_000) }));
    expect(viaBody.status).toBe(200);
    expect(await viaBody.json()).toMatchObject({ valid: false, code: "INVALID_KEY" });
    const goodBody = await SELF.fetch(`${ORIGIN}${VALIDATE}`, jsonBody({ key, feature: "white_label" }));
    expect(await goodBody.json()).toMatchObject({ valid: true, code: "VALID" });
    // Other fields that cannot match simply do not match; a missing key is still a 400.
    expect((await validate(key, { fingerprint: "f".repeat(600) })).body.code).toBe("NO_MACHINE");
    expect((await validate(key, { feature: "x".repeat(300) })).body.code).toBe("FEATURE_NOT_LICENSED");
    expect((await SELF.fetch(`${ORIGIN}${VALIDATE}`, jsonBody({ fingerprint: "abc" }))).status).toBe(400);
    expect((await SELF.fetch(`${ORIGIN}${VALIDATE}`, jsonBody({ key, extra: true }))).status).toBe(400);
  });
});

import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { base64UrlDecode, base64UrlEncode, signingKeys, signLicenseKey, verifyLicenseFile } from "~/modules/licensing/keys.server";
import { STATUS_TTL_MS } from "~/modules/licensing/status-cache.server";
import { validateLicense } from "~/modules/licensing/validate.server";
import { DAY, now, setClock } from "~/utils/clock";
import { auditLog, licenses } from "~drizzle/schema";
import { db, jsonBody, ORIGIN } from "../helpers";
import { activate, adminChange, appWith, issueLicense, licenseRow, platformAdmin, validate, VALIDATE } from "./helpers";

const pinClock = (start = Date.now()) => {
  let t = start;
  setClock(() => t);
  return { advance: (ms: number) => (t += ms), get now() { return t; } };
};

describe("license creation and keys", () => {
  it("admins create a license for a new organization; the key verifies offline with the published JWK", async () => {
    const { license, key, owner } = await issueLicense({ maxMachines: 3, metadata: { deal: "ACME-42" } });
    expect(license).toMatchObject({ status: "active", tier: "enterprise", source: "manual", maxMachines: 3, maxSeats: 25, metadata: { deal: "ACME-42" } });
    expect(license.features).toContain("white_label");
    expect(key).toMatch(/^CMLK1\.[\w-]+\.[\w-]+$/);

    // Offline: only the public JWK and WebCrypto.
    const jwks = await SELF.fetch(`${ORIGIN}/api/enterprise/licenses/public-key`);
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const { keys } = (await jwks.json()) as { keys: JsonWebKey[] };
    expect(keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(keys[0]).not.toHaveProperty("d");
    const publicKey = await crypto.subtle.importKey("jwk", keys[0]!, { name: "Ed25519" }, false, ["verify"]);
    const [prefix, payload, signature] = key.split(".");
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, publicKey, base64UrlDecode(signature!)!, new TextEncoder().encode(`${prefix}.${payload}`));
    expect(ok).toBe(true);
    const claims = JSON.parse(new TextDecoder().decode(base64UrlDecode(payload!)!));
    expect(claims).toMatchObject({ v: 1, licenseId: license.id, organizationId: license.organizationId, tier: "enterprise", maxMachines: 3, expiresAt: license.expiresAt });

    // Audited, with the admin as actor; the owner's organization exists with them as owner.
    const audit = await db().select().from(auditLog).where(eq(auditLog.targetId, license.id)).all();
    expect(audit.map((a) => a.action)).toEqual(["license.created"]);
    const page = await (await issueLicense()).ownerBrowser.fetch("/enterprise");
    expect(page.status).toBe(200);
    void owner;
  });

  it("the offline verification snippet in docs/licensing.md works as printed", async () => {
    // Copied verbatim from docs/licensing.md#verifying-a-key-offline.
    const b64url = (s: string) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - (s.length % 4)) % 4)), (c) => c.charCodeAt(0));
    async function verifyLicenseKey(key: string, jwk: JsonWebKey & { kid: string }) {
      const [prefix, payload, signature] = key.split(".");
      if (prefix !== "CMLK1" || !payload || !signature) return null;
      const publicKey = await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["verify"]);
      const ok = await crypto.subtle.verify({ name: "Ed25519" }, publicKey, b64url(signature), new TextEncoder().encode(`${prefix}.${payload}`));
      if (!ok) return null;
      const claims = JSON.parse(new TextDecoder().decode(b64url(payload)));
      if (claims.kid !== jwk.kid || claims.expiresAt <= Date.now()) return null;
      return claims;
    }
    const { key, license } = await issueLicense();
    const { keys } = (await (await SELF.fetch(`${ORIGIN}/api/enterprise/licenses/public-key`)).json()) as { keys: (JsonWebKey & { kid: string })[] };
    expect(await verifyLicenseKey(key, keys[0]!)).toMatchObject({ licenseId: license.id });
    // Flip one signature character to another (never to itself, so this cannot pass by chance).
    const at = key.lastIndexOf(".") + 1;
    const forged = `${key.slice(0, at)}${key[at] === "A" ? "B" : "A"}${key.slice(at + 1)}`;
    expect(await verifyLicenseKey(forged, keys[0]!)).toBeNull();
  });

  it("rejects tampered, wrongly signed and malformed keys as INVALID_KEY", async () => {
    const { key, license } = await issueLicense();
    const [prefix, payload, signature] = key.split(".");
    const claims = JSON.parse(new TextDecoder().decode(base64UrlDecode(payload!)!));
    const tampered = `${prefix}.${base64UrlEncode(new TextEncoder().encode(JSON.stringify({ ...claims, maxMachines: 10_000 })))}.${signature}`;

    // Signed with another key pair that claims the same kid.
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const otherJwk = JSON.stringify(await crypto.subtle.exportKey("jwk", pair.privateKey));
    const other = await signingKeys(otherJwk);
    const foreign = await signLicenseKey({ ...other, kid: claims.kid }, { ...claims, v: undefined, kid: undefined } as never);

    for (const bad of [tampered, foreign, "CMLK1.abc.def", "not-a-key", `${key}x`, key.replace("CMLK1", "CMLF1")]) {
      const res = await validate(bad);
      expect(res.status, bad).toBe(200);
      expect(res.body, bad).toMatchObject({ valid: false, code: "INVALID_KEY", license: null });
    }
    expect((await validate(key)).body).toMatchObject({ valid: true, code: "VALID", license: { id: license.id } });
  });

  it("checks the signature before any I/O: a forged key is answered with a D1 that throws", async () => {
    const { key } = await issueLicense();
    const [prefix, payload] = key.split(".");
    const forged = `${prefix}.${payload}.${base64UrlEncode(new Uint8Array(64))}`;
    const poisoned = new Proxy({}, { get: () => { throw new Error("D1 must not be touched"); } });
    const { app, done } = appWith({ DB: poisoned });
    const res = await validateLicense(app, new Request(`${ORIGIN}${VALIDATE}?key=${encodeURIComponent(forged)}`));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ code: "INVALID_KEY" });
    await done();
  });

  it("offline license files are signed, time-limited and list the active machines", async () => {
    const { key, license, ownerBrowser } = await issueLicense();
    await activate(key, "machine-aaaa-0001", "Build server");
    const res = await ownerBrowser.json(`/api/enterprise/licenses/${license.id}/offline-file?days=14`);
    expect(res.status).toBe(200);
    const keys = await signingKeys(env.LICENSE_SIGNING_KEY);
    const verified = await verifyLicenseFile(keys, res.body.file);
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.payload.machines).toEqual([{ fingerprint: "machine-aaaa-0001", name: "Build server" }]);
    expect(verified.payload.validUntil - verified.payload.issuedAt).toBe(14 * DAY);
    // A license file is not a license key.
    expect((await validate(res.body.file)).body.code).toBe("INVALID_KEY");
  });
});

describe("validation codes", () => {
  it("VALID with tier, features and expiry; FEATURE_NOT_LICENSED; ORGANIZATION_SCOPE_MISMATCH", async () => {
    const { key, license } = await issueLicense({ tier: "pro" });
    const ok = await validate(key);
    expect(ok.body).toMatchObject({ valid: true, code: "VALID", license: { id: license.id, tier: "pro", status: "active", expiresAt: license.expiresAt, maxMachines: 5 } });
    expect(ok.body.license.features).toContain("certificates");
    expect((await validate(key, { feature: "certificates" })).body.code).toBe("VALID");
    expect((await validate(key, { feature: "white_label" })).body).toMatchObject({ valid: false, code: "FEATURE_NOT_LICENSED" });
    expect((await validate(key, { scope: license.organizationId })).body.code).toBe("VALID");
    expect((await validate(key, { scope: "org_00000000000000000000000000" })).body.code).toBe("ORGANIZATION_SCOPE_MISMATCH");
  });

  it("NO_MACHINE, FINGERPRINT_SCOPE_MISMATCH and TOO_MANY_MACHINES", async () => {
    const { key, license } = await issueLicense({ maxMachines: 2 });
    expect((await validate(key, { fingerprint: "laptop-0000-0001" })).body.code).toBe("NO_MACHINE");
    await activate(key, "laptop-0000-0001");
    await activate(key, "laptop-0000-0002");
    expect((await validate(key, { fingerprint: "laptop-0000-0001" })).body.code).toBe("VALID");
    expect((await validate(key, { fingerprint: "laptop-9999-9999" })).body.code).toBe("FINGERPRINT_SCOPE_MISMATCH");
    expect((await adminChange(license.id, { action: "update_limits", maxMachines: 1 })).status).toBe(200);
    expect((await validate(key, { fingerprint: "laptop-0000-0001" })).body).toMatchObject({ valid: false, code: "TOO_MANY_MACHINES", license: { machines: 2, maxMachines: 1 } });
  });

  it("NOT_FOUND for a correctly signed key whose license does not exist", async () => {
    const keys = await signingKeys(env.LICENSE_SIGNING_KEY);
    const key = await signLicenseKey(keys, {
      licenseId: "lic_00000000000000000000000000",
      organizationId: "org_00000000000000000000000000",
      tier: "enterprise",
      features: [],
      maxSeats: 1,
      maxMachines: 1,
      issuedAt: now(),
      expiresAt: now() + DAY,
    });
    expect((await validate(key)).body).toMatchObject({ valid: false, code: "NOT_FOUND", license: null });
  });

  it("SUSPENDED, then VALID after reinstating, REVOKED for good; each change audited", async () => {
    const { key, license } = await issueLicense();
    expect((await adminChange(license.id, { action: "suspend", reason: "unpaid invoice" })).status).toBe(200);
    expect((await validate(key)).body).toMatchObject({ valid: false, code: "SUSPENDED" });
    expect((await adminChange(license.id, { action: "reinstate" })).status).toBe(200);
    expect((await validate(key)).body.code).toBe("VALID");
    expect((await adminChange(license.id, { action: "revoke" })).status).toBe(200);
    expect((await validate(key)).body.code).toBe("REVOKED");
    expect((await adminChange(license.id, { action: "reinstate" })).status).toBe(409);
    const audit = await db().select().from(auditLog).where(eq(auditLog.targetId, license.id)).orderBy(auditLog.id).all();
    expect(audit.map((a) => a.action)).toEqual(["license.created", "license.suspended", "license.reinstated", "license.revoked"]);
    expect(audit[1]!.metadata).toMatchObject({ reason: "unpaid invoice", from: { status: "active" }, to: { status: "suspended" } });
  });

  it("EXPIRED once the expiry passes (key verification itself does not expire keys offline-only)", async () => {
    const clock = pinClock();
    const { key, license } = await issueLicense({ durationDays: 2 });
    expect((await validate(key)).body.code).toBe("VALID");
    clock.advance(2 * DAY + 60_000); // the route stamped the license with the real time, a little after the pinned start
    expect((await validate(key)).body).toMatchObject({ valid: false, code: "EXPIRED", license: { status: "expired" } });
    // Extending brings it back.
    expect((await adminChange(license.id, { action: "extend", expiresAt: clock.now + 30 * DAY })).status).toBe(200);
    expect((await validate(key)).body.code).toBe("VALID");
  });
});

describe("status cache", () => {
  it("changes made through the service are seen at once; changes behind its back within the bound", async () => {
    const clock = pinClock();
    const { key, license } = await issueLicense();
    expect((await validate(key)).body.code).toBe("VALID"); // cached now
    // Another writer (e.g. a data centre whose cache we cannot clear) suspends it directly in D1.
    await db().update(licenses).set({ status: "suspended" }).where(eq(licenses.id, license.id)).run();
    clock.advance(STATUS_TTL_MS - 1000);
    expect((await validate(key)).body.code).toBe("VALID"); // still the cached status: no D1 read
    clock.advance(1001);
    expect((await validate(key)).body.code).toBe("SUSPENDED"); // bound reached: re-read
    expect((await licenseRow(license.id))!.status).toBe("suspended");
  });

  it("repeated validations of one key read D1 at most once per bound", async () => {
    pinClock();
    const { key } = await issueLicense();
    await validate(key);
    const poisoned = new Proxy({}, { get: () => { throw new Error("D1 must not be touched"); } });
    const { app, done } = appWith({ DB: poisoned });
    for (let i = 0; i < 5; i++) {
      const res = await validateLicense(app, new Request(`${ORIGIN}${VALIDATE}?key=${encodeURIComponent(key)}`, { headers: { "CF-Connecting-IP": "203.0.113.9" } }));
      expect((await res.json()) as object).toMatchObject({ code: "VALID" });
    }
    await done().catch(() => undefined); // the usage flush may try D1 after the response; it is not on the path
  });
});

describe("rate limits, CORS and no cookies", () => {
  // TEST_LIMIT_TWO (vitest.config.ts) is a real Rate Limiting binding that allows 2 calls a minute.
  // Validation counts after its answer (no I/O before it), so the call that goes past the limit is
  // still answered; the isolate refuses the bucket from then on.
  const validateWith = async (overrides: Record<string, unknown>, query: Record<string, string>, ip: string) => {
    const { app, done } = appWith(overrides);
    const res = await validateLicense(app, new Request(`${ORIGIN}${VALIDATE}?${new URLSearchParams(query)}`, { headers: { "CF-Connecting-IP": ip } }));
    await done(); // the count runs after the response
    return res;
  };

  it("limits per license with 429 and Retry-After, counted by the shared Rate Limiting binding", async () => {
    pinClock(Date.UTC(2030, 0, 1, 0, 0, 5));
    const { key } = await issueLicense();
    const call = (ip: string) => validateWith({ LICENSE_LIMIT_VALIDATE_LICENSE: env.TEST_LIMIT_TWO }, { key }, ip);
    for (let i = 0; i < 3; i++) expect((await call(`198.51.100.${i}`)).status).toBe(200);
    const limited = await call("198.51.100.99");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("55");
    expect(await limited.json()).toMatchObject({ error: { code: "rate_limited", details: { limitedBy: "license", retryAfterSeconds: 55 } } });
  });

  it("limits per machine: one fingerprint past its limit does not stop the license's other machines", async () => {
    const { key } = await issueLicense();
    await activate(key, "per-machine-limit-01");
    await activate(key, "per-machine-limit-02");
    const call = (fingerprint: string) => validateWith({ LICENSE_LIMIT_VALIDATE_MACHINE: env.TEST_LIMIT_TWO }, { key, fingerprint }, "198.51.100.7");
    for (let i = 0; i < 3; i++) expect((await call("per-machine-limit-01")).status).toBe(200);
    const limited = await call("per-machine-limit-01");
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: { details: { limitedBy: "machine" } } });
    expect(await (await call("per-machine-limit-02")).json()).toMatchObject({ code: "VALID" });
  });

  it("limits per client address, forged keys included (counted after the answer, so they still cost no I/O first)", async () => {
    const call = async () => {
      const { app, done } = appWith({ LICENSE_LIMIT_VALIDATE_CLIENT: env.TEST_LIMIT_TWO });
      const res = await validateLicense(app, new Request(`${ORIGIN}${VALIDATE}?key=forged`, { headers: { "CF-Connecting-IP": "192.0.2.50" } }));
      await done(); // the count runs after the response
      return res;
    };
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200); // the third is answered, then found over the limit
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(limited.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await limited.json()).toMatchObject({ error: { code: "rate_limited", details: { limitedBy: "address" } } });
  });

  it("answers other origins without credentials and never sets cookies", async () => {
    const { key } = await issueLicense();
    const preflight = await SELF.fetch(`${ORIGIN}${VALIDATE}`, {
      method: "OPTIONS",
      headers: { Origin: "https://customer.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(preflight.headers.get("Access-Control-Allow-Headers")).toMatch(/Authorization/);
    expect(preflight.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    const res = await SELF.fetch(`${ORIGIN}${VALIDATE}`, { headers: { Origin: "https://customer.example", Authorization: `License ${key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect(await res.json()).toMatchObject({ code: "VALID" });
    const missing = await SELF.fetch(`${ORIGIN}${VALIDATE}`);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { code: "bad_request" } });
    // Cross-origin activation works with the key alone.
    const act = await SELF.fetch(`${ORIGIN}/api/enterprise/licenses/activate`, jsonBody({ key, fingerprint: "browser-app-0001" }, { headers: { Origin: "https://customer.example" } }));
    expect(act.status).toBe(201);
    expect(act.headers.get("Set-Cookie")).toBeNull();
    void platformAdmin;
  });
});

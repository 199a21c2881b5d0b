import * as z from "zod";
import type { AppContext } from "~/context.server";
import { clientIp } from "~/modules/auth/auth.server";
import { now } from "~/utils/clock";
import { readJson } from "~/utils/api.server";
import { AppError, errorBody, parseOrThrow, toAppError } from "~/utils/errors";
import { signingKeys, verifyLicenseKey } from "./keys.server";
import { ORIGINAL_KEY_ID } from "./policy";
import { enforceAfter, type RateCheck } from "./rate-limit.server";
import { getLicenseSnapshot, STATUS_TTL_MS, type LicenseSnapshot } from "./status-cache.server";
import { recordValidation } from "./usage.server";

/**
 * Validation codes, in the order they are checked (docs/licensing.md#validation-codes). Only
 * VALID comes with `valid: true`.
 */
export const VALIDATION_CODES = {
  VALID: "The license is valid.",
  INVALID_KEY: "The key is malformed or its signature does not verify: it was not issued by Coursemint.",
  NOT_FOUND: "The key is signed by Coursemint but its license no longer exists.",
  KEY_REVOKED: "This key has been revoked; the license may have other keys.",
  REVOKED: "The license has been revoked.",
  SUSPENDED: "The license is suspended.",
  EXPIRED: "The license has expired.",
  OVERDUE: "The license has not checked in within its check-in interval.",
  ORGANIZATION_SCOPE_MISMATCH: "The license belongs to another organization than the requested scope.",
  TOO_MANY_MACHINES: "More machines are activated than the license allows.",
  NO_MACHINE: "No machine is activated on the license; activate this fingerprint first.",
  FINGERPRINT_SCOPE_MISMATCH: "This fingerprint is not activated on the license.",
  HEARTBEAT_DEAD: "This machine missed its heartbeats and no longer holds a slot; activate it again.",
  FEATURE_NOT_LICENSED: "The license does not include the requested feature.",
} as const;
export type ValidationCode = keyof typeof VALIDATION_CODES;

/**
 * What validation reads, from the query string (GET) or a JSON body (POST). Any key string is
 * answered 200 with a code (too long or malformed: INVALID_KEY); only a missing key is a 400. The
 * other fields are plain strings too: a value that cannot match simply does not match.
 */
export const validateQuerySchema = z.object({
  key: z.string().meta({ description: "The license key (or send `Authorization: License CMLK1.…`). Any string is answered 200." }),
  fingerprint: z.string().optional(),
  feature: z.string().optional(),
  /** The organization (org_…) the calling software is deployed for. */
  scope: z.string().optional(),
});
export const validateBodySchema = z.strictObject({ ...validateQuerySchema.shape, key: validateQuerySchema.shape.key.optional() });
export type ValidateQuery = z.infer<typeof validateQuerySchema>;

export type ValidationResult = {
  valid: boolean;
  code: ValidationCode;
  detail: string;
  license: null | {
    id: string;
    organizationId: string;
    tier: string;
    status: string;
    features: string[];
    maxSeats: number;
    maxMachines: number;
    machineCeiling: number;
    machines: number;
    expiresAt: number;
    checkInDueAt: number | null;
  };
  /** How long (seconds) the answer may be reused; it reflects our status cache's bound. */
  ttl: number;
};

/** Active machines that were alive when the snapshot was read (a heartbeat after the read may extend one: never called dead early). */
const living = (snap: LicenseSnapshot) => snap.machines.filter((m) => m.deadline === null || m.deadline >= snap.readAt);

const result = (code: ValidationCode, snap: LicenseSnapshot | null, ttl: number): ValidationResult => ({
  valid: code === "VALID",
  code,
  detail: VALIDATION_CODES[code],
  license:
    snap && snap.found
      ? {
          id: snap.id,
          organizationId: snap.organizationId,
          tier: snap.tier,
          status: snap.status === "active" && snap.expiresAt <= now() ? "expired" : snap.status,
          features: snap.features,
          maxSeats: snap.maxSeats,
          maxMachines: snap.maxMachines,
          machineCeiling: snap.machineCeiling,
          machines: living(snap).length,
          expiresAt: snap.expiresAt,
          checkInDueAt: snap.checkInDueAt,
        }
      : null,
  ttl,
});

/** The rules, on a verified payload and a cached status: no I/O here. */
export function decide(snap: LicenseSnapshot, keyId: string, query: Omit<ValidateQuery, "key">): ValidationCode {
  if (!snap.found) return "NOT_FOUND";
  if (snap.revokedKeys.includes(keyId)) return "KEY_REVOKED";
  if (snap.status === "revoked") return "REVOKED";
  if (snap.status === "suspended") return "SUSPENDED";
  const t = now();
  if (snap.status === "expired" || snap.expiresAt <= t) return "EXPIRED";
  if (snap.checkInDueAt !== null && snap.checkInDueAt < t) return "OVERDUE";
  if (query.scope !== undefined && query.scope !== snap.organizationId) return "ORGANIZATION_SCOPE_MISMATCH";
  const alive = living(snap);
  if (alive.length > snap.machineCeiling) return "TOO_MANY_MACHINES";
  if (query.fingerprint !== undefined) {
    const machine = snap.machines.find((m) => m.fingerprint === query.fingerprint);
    if (!machine) return alive.length ? "FINGERPRINT_SCOPE_MISMATCH" : "NO_MACHINE";
    if (!alive.includes(machine)) return "HEARTBEAT_DEAD";
  }
  if (query.feature !== undefined && !snap.features.includes(query.feature)) return "FEATURE_NOT_LICENSED";
  return "VALID";
}

/** The request's fields: the query string, or a JSON body for POST; the Authorization header's key wins. */
async function readInput(request: Request): Promise<ValidateQuery> {
  let fields: Record<string, unknown>;
  if (request.method === "POST") {
    fields = parseOrThrow(validateBodySchema, await readJson(request, { allowEmpty: true }));
  } else fields = Object.fromEntries(new URL(request.url).searchParams);
  const auth = request.headers.get("Authorization");
  if (auth?.startsWith("License ")) fields.key = auth.slice("License ".length).trim();
  const parsed = validateQuerySchema.safeParse(fields);
  if (!parsed.success) throw new AppError("bad_request", "Send the license key as ?key=…, a JSON body {\"key\"} or an `Authorization: License …` header.");
  return parsed.data;
}

/**
 * GET or POST /api/enterprise/licenses/validate. Order matters: the signature first (no I/O, so
 * forged keys cost us nothing else), then the rate limits (per client, per license, per machine:
 * Cloudflare Rate Limiting, shared by every isolate of the location, counted after the response),
 * then the cached status; never a D1 query per call. Never reads cookies; answers every origin (CORS) without credentials.
 */
export async function validateLicense(app: AppContext, request: Request): Promise<Response> {
  try {
    const ip = clientIp(request) ?? "unknown";
    const query = await readInput(request);
    const keys = await signingKeys(app.config.LICENSE_SIGNING_KEY);
    const verified = await verifyLicenseKey(keys, query.key);
    if (!verified.ok) {
      app.logger.info("license.validate_rejected", { reason: verified.reason, keyLength: query.key.length });
      enforceAfter(app, [{ name: "validateClient", key: ip, by: "address" }], "validations");
      return json(app, result("INVALID_KEY", null, 0));
    }
    const payload = verified.payload;
    const checks: RateCheck[] = [
      { name: "validateClient", key: ip, by: "address" },
      { name: "validateLicense", key: payload.licenseId, by: "license" },
    ];
    if (query.fingerprint !== undefined) checks.push({ name: "validateMachine", key: `${payload.licenseId}:${query.fingerprint.slice(0, 255)}`, by: "machine" });
    enforceAfter(app, checks, "validations");
    const snap = await getLicenseSnapshot(app, payload.licenseId);
    const code = decide(snap, payload.keyId ?? ORIGINAL_KEY_ID, query);
    if (snap.found) recordValidation(app, snap.id, code === "VALID", code === "VALID" ? query.fingerprint : undefined);
    return json(app, result(code, snap, STATUS_TTL_MS / 1000));
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === "internal") app.logger.error("api.unhandled_error", { error, path: "/api/enterprise/licenses/validate" });
    return json(app, errorBody(appError), appError.status, appError.headers);
  }
}

export const CORS_HEADERS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key",
  "Access-Control-Expose-Headers": "Retry-After, X-Request-Id",
  "Access-Control-Max-Age": "86400",
} as const;

/** JSON with CORS for every origin and no cookies (credentials are never allowed). */
export function json(app: Pick<AppContext, "requestId">, body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Request-Id": app.requestId, ...CORS_HEADERS, ...headers },
  });
}

/** The CORS preflight answer. */
export const preflight = () => new Response(null, { status: 204, headers: CORS_HEADERS });

/** Runs a key-authenticated endpoint (activate, deactivate): CORS, no cookies, JSON errors. */
export async function publicEndpoint(app: AppContext, request: Request, run: () => Promise<{ status?: number; body: unknown }>) {
  if (request.method === "OPTIONS") return preflight();
  try {
    const out = await run();
    return json(app, out.body, out.status ?? 200);
  } catch (error) {
    if (error instanceof Response) return error;
    const appError = toAppError(error);
    if (appError.code === "internal") app.logger.error("api.unhandled_error", { error, path: new URL(request.url).pathname });
    return json(app, errorBody(appError), appError.status, appError.headers);
  }
}

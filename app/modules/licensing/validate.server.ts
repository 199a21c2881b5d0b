import * as z from "zod";
import type { AppContext } from "~/context.server";
import { clientIp } from "~/modules/auth/auth.server";
import { now } from "~/utils/clock";
import { AppError, errorBody, toAppError } from "~/utils/errors";
import { signingKeys, verifyLicenseKey } from "./keys.server";
import { take } from "./rate-limit.server";
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
  REVOKED: "The license has been revoked.",
  SUSPENDED: "The license is suspended.",
  EXPIRED: "The license has expired.",
  ORGANIZATION_SCOPE_MISMATCH: "The license belongs to another organization than the requested scope.",
  TOO_MANY_MACHINES: "More machines are activated than the license allows.",
  NO_MACHINE: "No machine is activated on the license; activate this fingerprint first.",
  FINGERPRINT_SCOPE_MISMATCH: "This fingerprint is not activated on the license.",
  FEATURE_NOT_LICENSED: "The license does not include the requested feature.",
} as const;
export type ValidationCode = keyof typeof VALIDATION_CODES;

export const validateQuerySchema = z.object({
  key: z.string().min(1).max(4096),
  fingerprint: z.string().trim().min(1).max(255).optional(),
  feature: z.string().trim().min(1).max(64).optional(),
  /** The organization (org_…) the calling software is deployed for. */
  scope: z.string().trim().min(1).max(64).optional(),
});
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
    machines: number;
    expiresAt: number;
  };
  /** How long (seconds) the answer may be reused; it reflects our status cache's bound. */
  ttl: number;
};

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
          machines: snap.machines.length,
          expiresAt: snap.expiresAt,
        }
      : null,
  ttl,
});

/** The rules, on a verified payload and a cached status: no I/O here. */
export function decide(snap: LicenseSnapshot, query: Omit<ValidateQuery, "key">): ValidationCode {
  if (!snap.found) return "NOT_FOUND";
  if (snap.status === "revoked") return "REVOKED";
  if (snap.status === "suspended") return "SUSPENDED";
  if (snap.status === "expired" || snap.expiresAt <= now()) return "EXPIRED";
  if (query.scope && query.scope !== snap.organizationId) return "ORGANIZATION_SCOPE_MISMATCH";
  if (snap.machines.length > snap.maxMachines) return "TOO_MANY_MACHINES";
  if (query.fingerprint) {
    if (!snap.machines.length) return "NO_MACHINE";
    if (!snap.machines.includes(query.fingerprint)) return "FINGERPRINT_SCOPE_MISMATCH";
  }
  if (query.feature && !snap.features.includes(query.feature)) return "FEATURE_NOT_LICENSED";
  return "VALID";
}

/**
 * GET /api/enterprise/licenses/validate. Order matters: rate limit by client address, then the
 * signature (no I/O, so forged keys cost us nothing else), then the per-key limit, then the
 * cached status. Never reads cookies; answers every origin (CORS) without credentials.
 */
export async function validateLicense(app: AppContext, request: Request): Promise<Response> {
  try {
    const ip = clientIp(request) ?? "unknown";
    const byIp = take(`ip:${ip}`, app.config.LICENSE_RATE_LIMIT_PER_IP);
    if (!byIp.ok) throw rateLimited(byIp.retryAfterSeconds, "address");
    const url = new URL(request.url);
    const params = Object.fromEntries(url.searchParams);
    const auth = request.headers.get("Authorization");
    if (auth?.startsWith("License ")) params.key = auth.slice("License ".length).trim();
    const parsed = validateQuerySchema.safeParse(params);
    if (!parsed.success) throw new AppError("bad_request", "Send the license key as ?key=… or an `Authorization: License …` header.");
    const query = parsed.data;
    const keys = await signingKeys(app.config.LICENSE_SIGNING_KEY);
    const verified = await verifyLicenseKey(keys, query.key);
    if (!verified.ok) {
      app.logger.info("license.validate_rejected", { reason: verified.reason });
      return json(app, result("INVALID_KEY", null, 0));
    }
    const payload = verified.payload;
    const byKey = take(`key:${payload.licenseId}`, app.config.LICENSE_RATE_LIMIT_PER_KEY);
    if (!byKey.ok) throw rateLimited(byKey.retryAfterSeconds, "key");
    const snap = await getLicenseSnapshot(app, payload.licenseId);
    const code = decide(snap, query);
    if (snap.found) recordValidation(app, snap.id, code === "VALID", code === "VALID" ? query.fingerprint : undefined);
    return json(app, result(code, snap, STATUS_TTL_MS / 1000));
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === "internal") app.logger.error("api.unhandled_error", { error, path: "/api/enterprise/licenses/validate" });
    return json(app, errorBody(appError), appError.status, appError.headers);
  }
}

function rateLimited(retryAfterSeconds: number, by: "key" | "address") {
  return new AppError("rate_limited", `Too many validations for this ${by}. Try again in ${retryAfterSeconds} seconds.`, {
    headers: { "Retry-After": String(retryAfterSeconds) },
    details: { retryAfterSeconds, limitedBy: by },
  });
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

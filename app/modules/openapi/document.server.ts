import { createDocument } from "zod-openapi";
import { CAPABILITIES, toPathItem, type RouteDoc } from "./define.server";

/**
 * Every `<x>.openapi.server.ts` under `app/routes/api+/`, beside its route `<x>.ts`, collected at build time. A route
 * without one (or a description whose path has no route) fails tests/openapi/contract.test.ts.
 */
const descriptions = import.meta.glob<RouteDoc>("../../routes/api+/**/*.openapi.server.ts", { eager: true, import: "default" });

export const ERROR_TABLE: Array<{ code: string; status: number; meaning: string }> = [
  { code: "bad_request", status: 400, meaning: "The body is not JSON, or has the wrong content type." },
  { code: "validation_failed", status: 400, meaning: "Some fields are invalid: `details.fieldErrors` maps each field to its messages." },
  { code: "unauthenticated", status: 401, meaning: "No credentials, or an expired session or revoked API key." },
  { code: "payment_required", status: 402, meaning: "The card was declined; the message says why in the payer's words." },
  { code: "forbidden", status: 403, meaning: "Signed in, but your role lacks the permission." },
  { code: "csrf_failed", status: 403, meaning: "A cookie-authenticated write did not come from the app's own origin." },
  { code: "feature_locked", status: 403, meaning: "Your plan does not include the feature: `details.requiredTier` and `details.upgradeUrl`." },
  { code: "not_found", status: 404, meaning: "No such object, or it is someone else's." },
  { code: "method_not_allowed", status: 405, meaning: "The path exists but not with this method." },
  { code: "conflict", status: 409, meaning: "The object's state does not allow it (already enrolled, already on that plan, ...)." },
  { code: "payload_too_large", status: 413, meaning: "The JSON body is over 64 KiB: `details.limitBytes`." },
  { code: "unsupported_media_type", status: 415, meaning: "The body's Content-Type is not one the endpoint accepts." },
  { code: "idempotency_conflict", status: 409, meaning: "This Idempotency-Key was used with another body, or its first request is still running." },
  { code: "unprocessable", status: 422, meaning: "Well-formed but cannot be applied now (an expired preview, a past-due plan)." },
  { code: "rate_limited", status: 429, meaning: "Too many attempts: wait `Retry-After` seconds." },
  { code: "internal", status: 500, meaning: "Something failed on our side; no internals are included. Quote `X-Request-Id`." },
  { code: "upstream_unavailable", status: 503, meaning: "Stripe could not be reached or its answer was lost; retrying is safe." },
];

let cached: ReturnType<typeof createDocument> | undefined;

/** The OpenAPI 3.1 document for every `/api` route (built once per isolate). */
export function openApiDocument(version: string) {
  if (cached) return cached;
  const routes = Object.values(descriptions).sort((a, b) => a.path.localeCompare(b.path));
  cached = createDocument({
    openapi: "3.1.0",
    info: {
      title: "Coursemint API",
      version,
      description:
        "The JSON API of Coursemint. Bodies are JSON; amounts are integer minor units with an ISO currency; ids are prefixed " +
        "(`usr_`, `pay_`, `crs_` ...). Every response carries `X-Request-Id`. Errors are " +
        '`{"error":{"code","message","details"}}` with the status of their code: ' +
        ERROR_TABLE.map((e) => `\`${e.code}\` ${e.status}`).join(", ") +
        ".",
    },
    servers: [{ url: "/", description: "The app's own origin." }],
    "x-error-codes": ERROR_TABLE,
    tags: Object.entries(CAPABILITIES).map(([name, description]) => ({ name, description })),
    paths: Object.fromEntries(routes.map((r) => [r.path, toPathItem(r)])),
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "cm_…",
          description: "A personal API key (`Authorization: Bearer cm_…`), created on /account; it acts with its owner's role.",
        },
        session: {
          type: "apiKey",
          in: "cookie",
          name: "__session",
          description: "The browser session cookie set by /login. Cookie-authenticated writes must come from the app's own origin (else 403 csrf_failed).",
        },
      },
    },
  });
  return cached;
}

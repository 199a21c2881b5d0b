import * as z from "zod";
import { validateBodySchema, validateQuerySchema, VALIDATION_CODES } from "~/modules/licensing/validate.server";
import { defineRoute, idOf, timestamp } from "~/modules/openapi/define.server";

const CODES = Object.keys(VALIDATION_CODES) as [keyof typeof VALIDATION_CODES, ...(keyof typeof VALIDATION_CODES)[]];
const KEY = "CMLK1.eyJ2IjoxLCJraWQiOiJrMSIsImxpY2Vuc2VJZCI6ImxpY18wMW04ZTJya3k3dzFhMHBiMWZoOWplMjRmbSJ9.c2lnbmF0dXJl";

const description =
  "Called by customers' software from anywhere (CORS `*`, no cookies; the key may also be sent as `Authorization: License CMLK1.…`). Always 200 " +
  "with `valid` and a machine-readable `code` to switch on (only `VALID` is valid) for any key string, however long or malformed " +
  "(`INVALID_KEY`), except 400 without a key and 429 with `Retry-After` when rate-limited (per client address, per license and per machine, " +
  "counted by Cloudflare Rate Limiting in each location). Forged keys are refused before any I/O; a status change is seen within `ttl` " +
  "seconds everywhere. Codes, in the order they are checked: docs/licensing.md#validation-codes.";

const result = z.object({
  valid: z.boolean(),
  code: z.enum(CODES),
  detail: z.string(),
  license: z
    .object({
      id: idOf("lic"),
      organizationId: idOf("org"),
      tier: z.string(),
      status: z.string(),
      features: z.array(z.string()),
      maxSeats: z.number().int(),
      maxMachines: z.number().int(),
      machineCeiling: z.number().int().meta({ description: "Active machines allowed (maxMachines times the overage tolerance)." }),
      machines: z.number().int().meta({ description: "Active machines that are alive (heartbeats)." }),
      expiresAt: timestamp,
      checkInDueAt: timestamp.nullable().meta({ description: "OVERDUE after this; null without a check-in policy." }),
    })
    .nullable()
    .meta({ description: "null for INVALID_KEY and NOT_FOUND." }),
  ttl: z.number().int().meta({ description: "Seconds the answer may be reused." }),
});

const VALID_EXAMPLE = {
  valid: true,
  code: "VALID",
  detail: "The license is valid.",
  license: {
    id: "lic_01m8e2rky7w1a0pb1fh9je24fm",
    organizationId: "org_01m8e2rky7w1a0pb1fh9je24fj",
    tier: "enterprise",
    status: "active",
    features: ["course_discount", "certificates", "offline_downloads", "priority_support", "team_seats", "white_label"],
    maxSeats: 25,
    maxMachines: 100,
    machineCeiling: 100,
    machines: 3,
    expiresAt: 1827304995781,
    checkInDueAt: null,
  },
  ttl: 10,
};
const INVALID_EXAMPLE = { valid: false, code: "INVALID_KEY", detail: VALIDATION_CODES.INVALID_KEY, license: null, ttl: 0 };

export default defineRoute("/api/enterprise/licenses/validate", {
  get: {
    capability: "Licensing",
    summary: "Validate a license key",
    description,
    auth: { kind: "none" },
    query: validateQuerySchema,
    responses: { 200: { description: "The result.", schema: result } },
    errors: { 400: ["bad_request"], 429: ["rate_limited"] },
    examples: [
      { name: "ok", summary: "A valid key on an activated machine", as: "anonymous", query: { key: KEY, fingerprint: "build-server-01", feature: "white_label" }, status: 200, response: VALID_EXAMPLE },
      { name: "forged", summary: "A key we did not sign", as: "anonymous", query: { key: "CMLK1.bm90LW91cnM.Zm9yZ2Vk" }, status: 200, response: INVALID_EXAMPLE },
      { name: "too_long", summary: "A string longer than any key (still a 200 with a code)", as: "anonymous", query: { key: "x".repeat(5000) }, status: 200, response: INVALID_EXAMPLE },
      { name: "no_key", summary: "Without a key", as: "anonymous", query: {}, status: 400 },
    ],
  },
  post: {
    capability: "Licensing",
    summary: "Validate a license key (JSON body)",
    description: `The same as GET, with the fields in a JSON body (for keys too long for a URL, or to keep them out of logs). ${description}`,
    auth: { kind: "none" },
    body: { schema: validateBodySchema },
    responses: { 200: { description: "The result.", schema: result } },
    errors: { 400: ["bad_request", "validation_failed"], 413: ["payload_too_large"], 429: ["rate_limited"] },
    examples: [
      { name: "ok", summary: "A valid key on an activated machine", as: "anonymous", body: { key: KEY, fingerprint: "build-server-01" }, status: 200, response: VALID_EXAMPLE },
      { name: "unknown_field", summary: "A field validation does not take", as: "anonymous", body: { key: KEY, machine: "build-server-01" }, status: 400 },
    ],
  },
});

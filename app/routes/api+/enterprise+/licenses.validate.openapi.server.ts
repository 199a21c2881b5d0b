import * as z from "zod";
import { validateQuerySchema, VALIDATION_CODES } from "~/modules/licensing/validate.server";
import { defineRoute, errorExample, idOf, timestamp } from "~/modules/openapi/define.server";

const CODES = Object.keys(VALIDATION_CODES) as [keyof typeof VALIDATION_CODES, ...(keyof typeof VALIDATION_CODES)[]];
const KEY = "CMLK1.eyJ2IjoxLCJraWQiOiJrMSIsImxpY2Vuc2VJZCI6ImxpY18wMW04ZTJya3k3dzFhMHBiMWZoOWplMjRmbSJ9.c2lnbmF0dXJl";

export default defineRoute("/api/enterprise/licenses/validate", {
  get: {
    capability: "Licensing",
    summary: "Validate a license key",
    description:
      "Called by customers' software from anywhere (CORS `*`, no cookies; the key may also be sent as `Authorization: License CMLK1.…`). Always 200 " +
      "with `valid` and a machine-readable `code` to switch on (only `VALID` is valid), except 400 without a key and 429 with `Retry-After` when " +
      "rate-limited (600 per minute per license, 1,200 per client address). Forged keys are refused before any I/O; a status change is seen within " +
      "`ttl` seconds everywhere. Codes, in the order they are checked: docs/licensing.md#validation-codes.",
    auth: { kind: "none" },
    query: validateQuerySchema,
    responses: {
      200: {
        description: "The result.",
        schema: z.object({
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
              machines: z.number().int().meta({ description: "Active machines." }),
              expiresAt: timestamp,
            })
            .nullable()
            .meta({ description: "null for INVALID_KEY and NOT_FOUND." }),
          ttl: z.number().int().meta({ description: "Seconds the answer may be reused." }),
        }),
      },
    },
    errors: { 400: ["validation_failed"], 405: ["method_not_allowed"], 429: ["rate_limited"] },
    examples: [
      {
        name: "ok",
        summary: "A valid key on an activated machine",
        as: "anonymous",
        query: { key: KEY, fingerprint: "build-server-01", feature: "white_label" },
        status: 200,
        response: {
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
            machines: 3,
            expiresAt: 1827304995781,
          },
          ttl: 10,
        },
      },
      {
        name: "forged",
        summary: "A key we did not sign",
        as: "anonymous",
        query: { key: "CMLK1.bm90LW91cnM.Zm9yZ2Vk" },
        status: 200,
        response: { valid: false, code: "INVALID_KEY", detail: VALIDATION_CODES.INVALID_KEY, license: null, ttl: 10 },
      },
      { name: "no_key", summary: "Without a key", as: "anonymous", query: {}, status: 400 },
      {
        name: "wrong_method",
        summary: "POST is not supported",
        as: "anonymous",
        method: "POST",
        status: 405,
        response: errorExample("method_not_allowed", "Use GET."),
      },
    ],
  },
});

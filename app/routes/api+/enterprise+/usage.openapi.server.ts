import * as z from "zod";
import { usageQuerySchema } from "~/modules/licensing/reports.server";
import { defineRoute, idOf, inputObject, timestamp } from "~/modules/openapi/define.server";
import { LICENSE_STATUSES } from "~drizzle/schema/enums";

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export default defineRoute("/api/enterprise/usage", {
  get: {
    capability: "Licensing",
    summary: "An organization's usage",
    description: "Validations per UTC day (every day of the range, zeros included), active machines and seats against their limits. For the organization's owner and admins and platform admins (403 for plain members, 404 outside it). Defaults: your first organization, the last 30 days (at most 366).",
    auth: { kind: "signed_in", permission: "read:organization:own" },
    query: inputObject(usageQuerySchema),
    responses: {
      200: {
        description: "The usage.",
        schema: z.object({
          organization: z.object({ id: idOf("org"), name: z.string() }),
          range: z.object({ from: day, to: day }),
          validations: z.object({ total: z.number().int(), days: z.array(z.object({ day, validations: z.number().int(), valid: z.number().int(), invalid: z.number().int() })) }),
          machines: z.object({ active: z.number().int(), limit: z.number().int() }),
          seats: z.object({ used: z.number().int(), limit: z.number().int() }),
          licenses: z.array(z.object({ id: idOf("lic"), status: z.enum(LICENSE_STATUSES), tier: z.string(), expiresAt: timestamp, machines: z.number().int(), maxMachines: z.number().int() })),
        }),
      },
    },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden"], 404: ["not_found"] },
    examples: [
      {
        name: "ok",
        summary: "Two days of usage",
        as: "enterprise",
        query: { from: "2026-11-26", to: "2026-11-27" },
        status: 200,
        response: {
          organization: { id: "org_01m8e2rky7w1a0pb1fh9je24fj", name: "Acme Corp" },
          range: { from: "2026-11-26", to: "2026-11-27" },
          validations: { total: 80, days: [{ day: "2026-11-26", validations: 40, valid: 39, invalid: 1 }, { day: "2026-11-27", validations: 40, valid: 40, invalid: 0 }] },
          machines: { active: 12, limit: 500 },
          seats: { used: 37, limit: 200 },
          licenses: [{ id: "lic_01m8e2rky7w1a0pb1fh9je24fm", status: "active", tier: "enterprise", expiresAt: 1827304995781, machines: 12, maxMachines: 500 }],
        },
      },
      { name: "invalid", summary: "from after to", as: "enterprise", query: { from: "2026-11-27", to: "2026-11-01" }, status: 400 },
    ],
  },
});

import * as z from "zod";
import { licenseActionSchema, licenseIdSchema } from "~/modules/licensing/licenses.server";
import { defineRoute, errorExample, FORBIDDEN } from "~/modules/openapi/define.server";
import { LICENSE_EXAMPLE, LICENSE_KEY_EXAMPLE, licenseKeyShape, licenseShape, MACHINE_EXAMPLE, machineShape } from "~/modules/openapi/shapes.server";

const params = z.object({ licenseId: licenseIdSchema.meta({ example: "lic_01m8e2rky7w1a0pb1fh9je24fm" }) });

export default defineRoute("/api/enterprise/licenses/{licenseId}", {
  get: {
    capability: "Licensing",
    summary: "One license with its machines",
    description:
      "For members of its organization and platform admins (404 for anyone else). For the organization's admins, `keys` lists every key " +
      "(each revocable on its own) and `key` is the newest usable one; plain members get `key: null` and no keys.",
    auth: { kind: "signed_in", permission: "read:organization:own" },
    params,
    responses: { 200: { description: "The license.", schema: z.object({ license: licenseShape, key: z.string().nullable(), keys: z.array(licenseKeyShape), machines: z.array(machineShape) }) } },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden"], 404: ["not_found"] },
    examples: [
      {
        name: "ok",
        summary: "The organization's owner",
        as: "enterprise",
        params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm" },
        status: 200,
        response: { license: LICENSE_EXAMPLE, key: LICENSE_KEY_EXAMPLE.key, keys: [LICENSE_KEY_EXAMPLE], machines: [MACHINE_EXAMPLE] },
      },
      { name: "not_yours", summary: "Another organization's license", as: "enterprise", params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm" }, status: 404, response: errorExample("not_found", "License not found.") },
    ],
  },
  post: {
    capability: "Licensing",
    summary: "Extend, suspend, reinstate, revoke, re-limit or change the policy of a license (platform admin)",
    description:
      "`{\"action\":\"extend\",\"expiresAt\"}`, `suspend`/`revoke` with an optional `reason` (revoke is final), `reinstate`, or `update_limits` with " +
      "`maxSeats`/`maxMachines`, or `update_policy` with `policy` {`heartbeatIntervalSeconds`, `heartbeatGraceSeconds`, `checkInIntervalDays`, " +
      "`machineOverage`} (null switches heartbeats or check-ins off; turning heartbeats on starts every active machine's clock now). Strict bodies. Audited; validation sees it at once in this data centre and within 10 s everywhere. 409 when the status does not allow it.",
    auth: { kind: "signed_in", permission: "update:license:any" },
    params,
    body: { schema: licenseActionSchema },
    responses: { 200: { description: "The license after the change.", schema: z.object({ license: licenseShape }) } },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"], 409: ["conflict"] },
    examples: [
      {
        name: "ok",
        summary: "Suspend",
        as: "admin",
        params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm" },
        body: { action: "suspend", reason: "Invoice overdue" },
        status: 200,
        response: { license: { ...LICENSE_EXAMPLE, status: "suspended" } },
      },
      { name: "forbidden", summary: "Not a platform admin", as: "enterprise", params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm" }, body: { action: "reinstate" }, status: 403, response: FORBIDDEN },
    ],
  },
});

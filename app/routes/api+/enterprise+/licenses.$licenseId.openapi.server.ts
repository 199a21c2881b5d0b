import * as z from "zod";
import { licenseActionSchema, licenseIdSchema } from "~/modules/licensing/licenses.server";
import { defineRoute, errorExample, FORBIDDEN } from "~/modules/openapi/define.server";
import { LICENSE_EXAMPLE, licenseShape, MACHINE_EXAMPLE, machineShape } from "~/modules/openapi/shapes.server";

const params = z.object({ licenseId: licenseIdSchema.meta({ example: "lic_01m8e2rky7w1a0pb1fh9je24fm" }) });

export default defineRoute("/api/enterprise/licenses/{licenseId}", {
  get: {
    capability: "Licensing",
    summary: "One license with its machines",
    description: "For members of its organization and platform admins (404 for anyone else); `key` only for the organization's admins, and null once revoked.",
    auth: { kind: "signed_in", permission: "read:organization:own" },
    params,
    responses: { 200: { description: "The license.", schema: z.object({ license: licenseShape, key: z.string().nullable(), machines: z.array(machineShape) }) } },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden"], 404: ["not_found"] },
    examples: [
      {
        name: "ok",
        summary: "The organization's owner",
        as: "enterprise",
        params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm" },
        status: 200,
        response: { license: LICENSE_EXAMPLE, key: "CMLK1.eyJ2IjoxLCJraWQiOiJrMSIsImxpY2Vuc2VJZCI6ImxpY18wMW04ZTJya3k3dzFhMHBiMWZoOWplMjRmbSJ9.c2lnbmF0dXJl", machines: [MACHINE_EXAMPLE] },
      },
      { name: "not_yours", summary: "Another organization's license", as: "enterprise", params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm" }, status: 404, response: errorExample("not_found", "License not found.") },
    ],
  },
  post: {
    capability: "Licensing",
    summary: "Extend, suspend, reinstate, revoke or re-limit a license (platform admin)",
    description:
      "`{\"action\":\"extend\",\"expiresAt\"}`, `suspend`/`revoke` with an optional `reason` (revoke is final), `reinstate`, or `update_limits` with " +
      "`maxSeats`/`maxMachines`. Audited; validation sees it at once in this data centre and within 10 s everywhere. 409 when the status does not allow it.",
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

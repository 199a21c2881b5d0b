import * as z from "zod";
import { licenseIdSchema, licenseKeyIdSchema, revokeKeySchema } from "~/modules/licensing/licenses.server";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { LICENSE_KEY_EXAMPLE, licenseKeyShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/enterprise/licenses/{licenseId}/keys/{keyId}/revoke", {
  post: {
    capability: "Licensing",
    summary: "Revoke one key",
    description:
      "Validation with this key answers `KEY_REVOKED` (at once in this data centre, within 10 s everywhere); it can no longer activate " +
      "machines or check in. The license, its other keys and its machines are untouched. `keyId` `original` is the key of a license from " +
      "before per-key management. Idempotent (`revoked: false` when it already was). Offline checks cannot see a revocation " +
      "(docs/licensing.md#revocation-and-offline-checks). The organization's admins and platform admins. Audited.",
    auth: { kind: "signed_in", permission: "update:organization:own" },
    params: z.object({ licenseId: licenseIdSchema.meta({ example: "lic_01m8e2rky7w1a0pb1fh9je24fm" }), keyId: licenseKeyIdSchema.meta({ example: "lky_01m8e2rky7w1a0pb1fh9je24fn" }) }),
    body: { schema: revokeKeySchema },
    responses: { 200: { description: "The key, revoked.", schema: z.object({ revoked: z.boolean(), key: licenseKeyShape }) } },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"] },
    examples: [
      {
        name: "ok",
        summary: "A key leaked in a build log",
        as: "enterprise",
        params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm", keyId: "lky_01m8e2rky7w1a0pb1fh9je24fn" },
        body: { reason: "Leaked in a build log" },
        status: 200,
        response: { revoked: true, key: { ...LICENSE_KEY_EXAMPLE, label: "Default key", revokedAt: 1795769996000, revokedReason: "Leaked in a build log", key: null } },
      },
      {
        name: "not_yours",
        summary: "Another organization's license",
        as: "enterprise",
        params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm", keyId: "lky_01m8e2rky7w1a0pb1fh9je24fn" },
        body: {},
        status: 404,
        response: errorExample("not_found", "License not found."),
      },
    ],
  },
});

import * as z from "zod";
import { issueKeySchema, licenseIdSchema } from "~/modules/licensing/licenses.server";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { LICENSE_KEY_EXAMPLE, licenseKeyShape } from "~/modules/openapi/shapes.server";

const params = z.object({ licenseId: licenseIdSchema.meta({ example: "lic_01m8e2rky7w1a0pb1fh9je24fm" }) });

export default defineRoute("/api/enterprise/licenses/{licenseId}/keys", {
  get: {
    capability: "Licensing",
    summary: "A license's keys",
    description: "Every key of the license, oldest first, each with its key string while usable (null once revoked). The organization's admins and platform admins; 403 for plain members, 404 outside the organization.",
    auth: { kind: "signed_in", permission: "read:organization:own" },
    params,
    responses: { 200: { description: "The keys.", schema: z.object({ keys: z.array(licenseKeyShape) }) } },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden"], 404: ["not_found"] },
    examples: [
      { name: "ok", summary: "The organization's owner", as: "enterprise", params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm" }, status: 200, response: { keys: [{ ...LICENSE_KEY_EXAMPLE, label: "Default key" }] } },
      { name: "not_yours", summary: "Another organization's license", as: "enterprise", params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm" }, status: 404, response: errorExample("not_found", "License not found.") },
    ],
  },
  post: {
    capability: "Licensing",
    summary: "Issue another key",
    description:
      "A new key for the license (same terms, its own id), for rotation: deploy it, then revoke the old one. The license's other keys keep " +
      "working. The organization's admins and platform admins; 409 for a revoked license. Audited.",
    auth: { kind: "signed_in", permission: "update:organization:own" },
    params,
    body: { schema: issueKeySchema },
    responses: { 201: { description: "The new key.", schema: z.object({ key: licenseKeyShape }) } },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"], 409: ["conflict"] },
    examples: [
      { name: "ok", summary: "Rotate before a release", as: "enterprise", params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm" }, body: { label: "Production 2027" }, status: 201, response: { key: LICENSE_KEY_EXAMPLE } },
      { name: "forbidden", summary: "Not a member of any organization", as: "student", params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm" }, body: { label: "Mine now" }, status: 404, response: errorExample("not_found", "License not found.") },
    ],
  },
});

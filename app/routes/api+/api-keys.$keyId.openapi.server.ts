import * as z from "zod";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";

export default defineRoute("/api/api-keys/{keyId}", {
  delete: {
    capability: "Account",
    summary: "Revoke an API key",
    description: "Revokes one of your keys at once; revoking a revoked key is a no-op. Someone else's key id is 404. Audited.",
    auth: { kind: "signed_in", permission: "delete:api-token:own" },
    params: z.object({ keyId: z.string().meta({ example: "tok_01jdxa7q2m3n4p5r6s7t8v9w0x" }) }),
    responses: { 204: { description: "Revoked." } },
    errors: { 401: ["unauthenticated"], 403: ["csrf_failed"], 404: ["not_found"] },
    examples: [
      { name: "ok", summary: "Revoke your key", as: "student", params: { keyId: "tok_01jdxa7q2m3n4p5r6s7t8v9w0x" }, status: 204 },
      { name: "unknown", summary: "Not yours or unknown", as: "student", params: { keyId: "tok_01jdxa7q2m3n4p5r6s7t8v9w0x" }, status: 404, response: errorExample("not_found", "API token not found.") },
    ],
  },
});

import * as z from "zod";
import { licenseIdSchema, offlineFileSchema } from "~/modules/licensing/licenses.server";
import { defineRoute, errorExample, idOf, timestamp } from "~/modules/openapi/define.server";

export default defineRoute("/api/enterprise/licenses/{licenseId}/offline-file", {
  get: {
    capability: "Licensing",
    summary: "A signed offline license file",
    description: "A signed, time-limited license file (`CMLF1.…`) listing the active machines, for air-gapped installs. `download=1` answers it as a `.lic` attachment (text/plain). Organization admins and platform admins.",
    auth: { kind: "signed_in", permission: "read:organization:own" },
    params: z.object({ licenseId: licenseIdSchema.meta({ example: "lic_01m8e2rky7w1a0pb1fh9je24fm" }) }),
    query: offlineFileSchema.extend({ download: z.enum(["1"]).optional() }),
    responses: {
      200: {
        description: "The file and what it covers.",
        schema: z.object({ licenseId: idOf("lic"), issuedAt: timestamp, validUntil: timestamp, machines: z.number().int(), file: z.string().startsWith("CMLF1.") }),
      },
    },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden"], 404: ["not_found"] },
    examples: [
      {
        name: "ok",
        summary: "A 30-day file",
        as: "enterprise",
        params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm" },
        query: { days: "30" },
        status: 200,
        response: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm", issuedAt: 1795750000000, validUntil: 1798342000000, machines: 1, file: "CMLF1.eyJ2IjoxfQ.c2lnbmF0dXJl" },
      },
      { name: "not_yours", summary: "Another organization's license", as: "enterprise", params: { licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm" }, status: 404, response: errorExample("not_found", "License not found.") },
    ],
  },
});

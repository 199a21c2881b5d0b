import * as z from "zod";
import { createLicenseSchema } from "~/modules/licensing/licenses.server";
import { defineRoute, FORBIDDEN } from "~/modules/openapi/define.server";
import { LICENSE_EXAMPLE, licenseShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/enterprise/licenses/create", {
  post: {
    capability: "Licensing",
    summary: "Create a license (platform admin)",
    description:
      "For an existing organization (`organizationId`) or a new one (`organizationName` + `ownerEmail` of an existing account). `expiresAt` (a date " +
      "means the end of that UTC day; epoch ms also works) or `durationDays`. `features` overrides the tier's list; `policy` sets heartbeats " +
      "(`heartbeatIntervalSeconds`, `heartbeatGraceSeconds`), check-ins (`checkInIntervalDays`) and `machineOverage` (docs/licensing.md#policies). " +
      "Strict: an unknown field (`maxSeat`) or a string for a number is a 400 and creates nothing. The license gets its first key (`Default key`). Audited.",
    auth: { kind: "signed_in", permission: "create:license:any" },
    idempotent: true,
    body: { schema: createLicenseSchema },
    responses: { 201: { description: "The license and its key.", schema: z.object({ license: licenseShape, key: z.string().startsWith("CMLK1.") }) } },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 409: ["idempotency_conflict"] },
    examples: [
      {
        name: "ok",
        summary: "A new organization's license",
        as: "admin",
        headers: { "Idempotency-Key": "acme-2027" },
        body: { organizationName: "Acme Corp", ownerEmail: "it@acme.example", tier: "enterprise", expiresAt: "2027-12-31", maxSeats: 200, maxMachines: 500, metadata: { contract: "ACME-2027" } },
        status: 201,
        response: { license: LICENSE_EXAMPLE, key: "CMLK1.eyJ2IjoxLCJraWQiOiJrMSIsImxpY2Vuc2VJZCI6ImxpY18wMW04ZTJya3k3dzFhMHBiMWZoOWplMjRmbSJ9.c2lnbmF0dXJl" },
      },
      {
        name: "unknown_field",
        summary: "A misspelt field is refused, not ignored",
        as: "admin",
        body: { organizationName: "Acme Corp", ownerEmail: "it@acme.example", durationDays: 365, maxSeat: 500 },
        status: 400,
      },
      { name: "forbidden", summary: "Not a platform admin", as: "student", body: { organizationName: "Acme Corp", ownerEmail: "it@acme.example", durationDays: 365 }, status: 403, response: FORBIDDEN },
    ],
  },
});

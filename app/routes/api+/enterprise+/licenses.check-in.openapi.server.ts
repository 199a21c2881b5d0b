import * as z from "zod";
import { checkInSchema } from "~/modules/licensing/licenses.server";
import { defineRoute, errorExample, timestamp } from "~/modules/openapi/define.server";
import { LICENSE_EXAMPLE, licenseShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/enterprise/licenses/check-in", {
  post: {
    capability: "Licensing",
    summary: "Check a license in",
    description:
      "Authenticated by the license key (no cookies; CORS). A license with a check-in policy answers `OVERDUE` from validation once " +
      "`nextCheckInBefore` passes without a check-in. 403 with `details.code` (`INVALID_KEY`, `NOT_FOUND`, `KEY_REVOKED`, `REVOKED`, `SUSPENDED`, " +
      "`EXPIRED`) for keys that cannot act. Rate-limited per license and per client address (429). Audited.",
    auth: { kind: "none" },
    body: { schema: checkInSchema },
    responses: {
      200: {
        description: "Checked in.",
        schema: z.object({ checkedInAt: timestamp, nextCheckInBefore: timestamp.nullable().meta({ description: "null without a check-in policy." }), license: licenseShape }),
      },
    },
    errors: { 400: ["bad_request", "validation_failed"], 403: ["forbidden"], 429: ["rate_limited"] },
    examples: [
      {
        name: "ok",
        summary: "A license that checks in every 30 days",
        as: "anonymous",
        body: { key: "CMLK1.eyJ2IjoxLCJraWQiOiJrMSIsImxpY2Vuc2VJZCI6ImxpY18wMW04ZTJya3k3dzFhMHBiMWZoOWplMjRmbSJ9.c2lnbmF0dXJl" },
        status: 200,
        response: {
          checkedInAt: 1795768996000,
          nextCheckInBefore: 1798360996000,
          license: { ...LICENSE_EXAMPLE, policy: { ...LICENSE_EXAMPLE.policy, checkInIntervalDays: 30, lastCheckInAt: 1795768996000, checkInDueAt: 1798360996000 } },
        },
      },
      {
        name: "forged",
        summary: "A key we did not sign",
        as: "anonymous",
        body: { key: "CMLK1.bm90LW91cnM.Zm9yZ2Vk" },
        status: 403,
        response: errorExample("forbidden", "This license key is not valid.", { code: "INVALID_KEY" }),
      },
    ],
  },
});

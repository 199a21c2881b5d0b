import * as z from "zod";
import { activateSchema } from "~/modules/licensing/licenses.server";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { LICENSE_EXAMPLE, licenseShape, MACHINE_EXAMPLE, machineShape } from "~/modules/openapi/shapes.server";

const KEY = "CMLK1.eyJ2IjoxLCJraWQiOiJrMSIsImxpY2Vuc2VJZCI6ImxpY18wMW04ZTJya3k3dzFhMHBiMWZoOWplMjRmbSJ9.c2lnbmF0dXJl";
const result = z.object({ created: z.boolean(), machine: machineShape, license: licenseShape });

export default defineRoute("/api/enterprise/licenses/activate", {
  post: {
    capability: "Licensing",
    summary: "Activate a machine",
    description:
      "Authenticated by the license key itself (no cookies; CORS). Fingerprints are 8–255 printable characters of your choosing. 201 for a new " +
      "machine, 200 with `created: false` when this fingerprint is already active (idempotent). Past the machine limit: 422 with " +
      "`details.code` `TOO_MANY_MACHINES` (enforced inside the insert, so concurrent activations cannot pass it). A key that cannot activate " +
      "anything: 403 with `details.code` `INVALID_KEY`, `NOT_FOUND`, `REVOKED`, `SUSPENDED` or `EXPIRED`.",
    auth: { kind: "none" },
    body: { schema: activateSchema },
    responses: {
      200: { description: "Already active.", schema: result },
      201: { description: "Activated.", schema: result },
    },
    errors: { 400: ["bad_request", "validation_failed"], 403: ["forbidden"], 422: ["unprocessable"], 429: ["rate_limited"] },
    examples: [
      {
        name: "ok",
        summary: "Activate a build server",
        as: "anonymous",
        body: { key: KEY, fingerprint: "build-server-01", name: "Build server" },
        status: 201,
        response: { created: true, machine: MACHINE_EXAMPLE, license: LICENSE_EXAMPLE },
      },
      {
        name: "forged",
        summary: "A key we did not sign",
        as: "anonymous",
        body: { key: "CMLK1.bm90LW91cnM.Zm9yZ2Vk", fingerprint: "build-server-01" },
        status: 403,
        response: errorExample("forbidden", "This license key is not valid.", { code: "INVALID_KEY" }),
      },
    ],
  },
});

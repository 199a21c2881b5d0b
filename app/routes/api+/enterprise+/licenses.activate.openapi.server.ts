import * as z from "zod";
import { activateSchema } from "~/modules/licensing/licenses.server";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { LICENSE_EXAMPLE, licenseShape, MACHINE_EXAMPLE, machineShape } from "~/modules/openapi/shapes.server";

const KEY = "CMLK1.eyJ2IjoxLCJraWQiOiJrMSIsImxpY2Vuc2VJZCI6ImxpY18wMW04ZTJya3k3dzFhMHBiMWZoOWplMjRmbSJ9.c2lnbmF0dXJl";
const result = z.object({
  created: z.boolean(),
  machine: machineShape,
  machineToken: z.string().startsWith("cmm_").meta({ description: "Shown once: store it on the machine. Deactivation and heartbeats require it; we keep only its SHA-256." }),
  license: licenseShape,
});

export default defineRoute("/api/enterprise/licenses/activate", {
  post: {
    capability: "Licensing",
    summary: "Activate a machine",
    description:
      "Authenticated by the license key itself (no cookies; CORS). Fingerprints are 8–255 printable characters of your choosing. 201 with the " +
      "machine and its `machineToken` (shown once; deactivation and heartbeats require it). While the fingerprint is active: 409 with " +
      "`details.code` `FINGERPRINT_TAKEN` (use its token, or deactivate it); a machine activated before tokens existed answers 200 with " +
      "`created: false` and a token. Dead machines (missed heartbeats) are culled first. Past the machine limit times the overage tolerance: 422 " +
      "with `details.code` `TOO_MANY_MACHINES` (enforced inside the insert, so concurrent activations cannot pass it). A key that cannot activate: " +
      "403 with `details.code` `INVALID_KEY`, `NOT_FOUND`, `KEY_REVOKED`, `REVOKED`, `SUSPENDED` or `EXPIRED`. Rate-limited per license and per client address (429).",
    auth: { kind: "none" },
    body: { schema: activateSchema },
    responses: {
      200: { description: "A machine from before tokens claimed its token.", schema: result },
      201: { description: "Activated.", schema: result },
    },
    errors: { 400: ["bad_request", "validation_failed"], 403: ["forbidden"], 409: ["conflict"], 422: ["unprocessable"], 429: ["rate_limited"] },
    examples: [
      {
        name: "ok",
        summary: "Activate a build server",
        as: "anonymous",
        body: { key: KEY, fingerprint: "build-server-01", name: "Build server" },
        status: 201,
        response: { created: true, machine: MACHINE_EXAMPLE, machineToken: "cmm_Q2hhbmdlLW1lLXRoaXMtaXMtYW4tZXhhbXBsZS10b2tlbjAx", license: LICENSE_EXAMPLE },
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

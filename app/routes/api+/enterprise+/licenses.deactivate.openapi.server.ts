import * as z from "zod";
import { deactivateSchema } from "~/modules/licensing/licenses.server";
import { defineRoute } from "~/modules/openapi/define.server";
import { MACHINE_EXAMPLE, machineShape } from "~/modules/openapi/shapes.server";

const KEY = "CMLK1.eyJ2IjoxLCJraWQiOiJrMSIsImxpY2Vuc2VJZCI6ImxpY18wMW04ZTJya3k3dzFhMHBiMWZoOWplMjRmbSJ9.c2lnbmF0dXJl";

export default defineRoute("/api/enterprise/licenses/deactivate", {
  post: {
    capability: "Licensing",
    summary: "Deactivate a machine",
    description: "Frees the machine's slot; idempotent (`deactivated: false` when it already was). An unknown fingerprint: 404 with `details.code` `NO_MACHINE`.",
    auth: { kind: "none" },
    body: { schema: deactivateSchema },
    responses: { 200: { description: "The machine, inactive.", schema: z.object({ deactivated: z.boolean(), machine: machineShape }) } },
    errors: { 400: ["bad_request", "validation_failed"], 403: ["forbidden"], 404: ["not_found"], 429: ["rate_limited"] },
    examples: [
      { name: "ok", summary: "Retire the build server", as: "anonymous", body: { key: KEY, fingerprint: "build-server-01" }, status: 200, response: { deactivated: true, machine: { ...MACHINE_EXAMPLE, active: false } } },
      { name: "unknown", summary: "A fingerprint never activated", as: "anonymous", body: { key: KEY, fingerprint: "never-activated-01" }, status: 404 },
    ],
  },
});

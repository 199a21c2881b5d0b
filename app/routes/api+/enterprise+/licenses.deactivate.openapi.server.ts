import * as z from "zod";
import { deactivateSchema } from "~/modules/licensing/licenses.server";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { MACHINE_EXAMPLE, machineShape } from "~/modules/openapi/shapes.server";

const TOKEN = "cmm_Q2hhbmdlLW1lLXRoaXMtaXMtYW4tZXhhbXBsZS10b2tlbjAx";

export default defineRoute("/api/enterprise/licenses/deactivate", {
  post: {
    capability: "Licensing",
    summary: "Deactivate a machine",
    description:
      "With the machine token activation returned (a key and a fingerprint are not enough). Frees the machine's slot; idempotent " +
      "(`deactivated: false` when it already was). An unknown token: 404 with `details.code` `NO_MACHINE`. Rate-limited per license and per " +
      "client address. Organization admins can deactivate any machine on the dashboard.",
    auth: { kind: "none" },
    body: { schema: deactivateSchema },
    responses: { 200: { description: "The machine, inactive.", schema: z.object({ deactivated: z.boolean(), machine: machineShape }) } },
    errors: { 400: ["bad_request", "validation_failed"], 404: ["not_found"], 429: ["rate_limited"] },
    examples: [
      {
        name: "ok",
        summary: "Retire the build server",
        as: "anonymous",
        body: { machineToken: TOKEN },
        status: 200,
        response: { deactivated: true, machine: { ...MACHINE_EXAMPLE, active: false, deactivatedAt: 1795769996000, deactivatedReason: "key_holder" } },
      },
      {
        name: "unknown",
        summary: "A token no machine has",
        as: "anonymous",
        body: { machineToken: "cmm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
        status: 404,
        response: errorExample("not_found", "No machine has this token.", { code: "NO_MACHINE" }),
      },
    ],
  },
});

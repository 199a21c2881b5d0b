import * as z from "zod";
import { heartbeatSchema } from "~/modules/licensing/licenses.server";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { MACHINE_EXAMPLE, machineShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/enterprise/licenses/heartbeat", {
  post: {
    capability: "Licensing",
    summary: "Send a machine heartbeat",
    description:
      "With the machine token activation returned (no cookies; CORS). Under the license's heartbeat policy the machine stays alive until " +
      "`machine.heartbeatDeadline` (last heartbeat + interval + grace); past it the machine is dead, its slot is freed and this answers 422 with " +
      "`details.code` `HEARTBEAT_DEAD` (activate again for a new token). 404 `NO_MACHINE` for an unknown or deactivated token. Concurrent " +
      "heartbeats touch the one machine and create nothing. Rate-limited per machine (429).",
    auth: { kind: "none" },
    body: { schema: heartbeatSchema },
    responses: { 200: { description: "The machine, alive.", schema: z.object({ machine: machineShape }) } },
    errors: { 400: ["bad_request", "validation_failed"], 404: ["not_found"], 422: ["unprocessable"], 429: ["rate_limited"] },
    examples: [
      {
        name: "ok",
        summary: "A machine checks in every 10 minutes",
        as: "anonymous",
        body: { machineToken: "cmm_Q2hhbmdlLW1lLXRoaXMtaXMtYW4tZXhhbXBsZS10b2tlbjAx" },
        status: 200,
        response: { machine: { ...MACHINE_EXAMPLE, heartbeatDeadline: 1795769656000 } },
      },
      {
        name: "dead",
        summary: "Too late: the machine missed its heartbeats",
        as: "anonymous",
        body: { machineToken: "cmm_Q2hhbmdlLW1lLXRoaXMtaXMtYW4tZXhhbXBsZS10b2tlbjAx" },
        status: 422,
        response: errorExample("unprocessable", "This machine missed its heartbeats and was deactivated; activate it again.", { code: "HEARTBEAT_DEAD", machineId: "mch_01m8e3rky7w1a0pb1fh9je24fm" }),
      },
    ],
  },
});

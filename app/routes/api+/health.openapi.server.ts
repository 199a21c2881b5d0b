import * as z from "zod";
import { defineRoute } from "~/modules/openapi/define.server";

const health = z.object({
  status: z.enum(["ok", "degraded"]),
  version: z.string(),
  checks: z.object({ database: z.object({ ok: z.boolean(), latencyMs: z.number().int().nonnegative() }) }),
});

export default defineRoute("/api/health", {
  get: {
    capability: "System",
    summary: "Liveness and readiness",
    description: "The app version and a real D1 round trip. For load balancers and uptime checks.",
    auth: { kind: "none" },
    responses: {
      200: { description: "Healthy.", schema: health },
      503: { description: "D1 failed: `status` is `degraded`.", schema: health },
    },
    errors: { 405: ["method_not_allowed"] },
    examples: [
      { name: "ok", summary: "Healthy", as: "anonymous", status: 200, response: { status: "ok", version: "0.1.0", checks: { database: { ok: true, latencyMs: 1 } } } },
      { name: "wrong_method", summary: "POST is not supported", as: "anonymous", method: "POST", status: 405, response: { error: { code: "method_not_allowed", message: "This endpoint does not support that method." } } },
    ],
  },
});

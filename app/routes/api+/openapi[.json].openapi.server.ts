import * as z from "zod";
import { defineRoute } from "~/modules/openapi/define.server";

export default defineRoute("/api/openapi.json", {
  get: {
    capability: "System",
    summary: "This reference as OpenAPI 3.1",
    description: "Generated from the same zod schemas the endpoints validate with. Human-readable at `/docs/api`.",
    auth: { kind: "none" },
    responses: {
      200: {
        description: "The OpenAPI 3.1 document.",
        schema: z.object({ openapi: z.string().startsWith("3.1"), info: z.object({ title: z.string(), version: z.string() }).loose(), paths: z.record(z.string(), z.unknown()) }).loose(),
      },
    },
    errors: { 405: ["method_not_allowed"] },
    examples: [
      { name: "ok", summary: "The document", as: "anonymous", status: 200 },
      { name: "wrong_method", summary: "POST is not supported", as: "anonymous", method: "POST", status: 405, response: { error: { code: "method_not_allowed", message: "This endpoint does not support that method." } } },
    ],
  },
});

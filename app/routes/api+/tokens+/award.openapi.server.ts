import * as z from "zod";
import { adminAwardSchema } from "~/modules/tokens/ledger.server";
import { defineRoute, FORBIDDEN } from "~/modules/openapi/define.server";
import { TOKEN_ENTRY_EXAMPLE, tokenEntryShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/tokens/award", {
  post: {
    capability: "Tokens",
    summary: "Award or adjust tokens (admin)",
    description:
      "A positive `amount` awards, a negative one adjusts down, never below zero (409 `insufficient_balance`); at most ±1,000,000 at a time. " +
      "Audited. Without an `Idempotency-Key` each request is its own entry.",
    auth: { kind: "signed_in", permission: "create:token-award:any" },
    idempotent: true,
    body: { schema: adminAwardSchema },
    responses: { 201: { description: "The ledger entry.", schema: z.object({ entry: tokenEntryShape, replayed: z.boolean() }) } },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"], 409: ["conflict", "idempotency_conflict"] },
    examples: [
      {
        name: "ok",
        summary: "Award 500 tokens",
        as: "admin",
        headers: { "Idempotency-Key": "contest-2026-11" },
        body: { userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x", amount: 500, reason: "Contest winner" },
        status: 201,
        response: {
          entry: { ...TOKEN_ENTRY_EXAMPLE, type: "admin_adjust", amount: 500, balanceAfter: 760, reason: "Contest winner", ref: null, userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x", sourceKey: "admin:usr_01jdxa7q2m3n4p5r6s7t8v9w0y:contest-2026-11" },
          replayed: false,
        },
      },
      { name: "forbidden", summary: "Not an admin", as: "student", body: { userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x", amount: 500, reason: "Self-service" }, status: 403, response: FORBIDDEN },
    ],
  },
});

import * as z from "zod";
import { adminAwardSchema } from "~/modules/tokens/admin-awards.server";
import { REWARD_POLICY } from "~/modules/tokens/config";
import { defineRoute, errorExample, FORBIDDEN } from "~/modules/openapi/define.server";
import { TOKEN_AWARD_REQUEST_EXAMPLE, TOKEN_ENTRY_EXAMPLE, tokenAwardRequestShape, tokenEntryShape } from "~/modules/openapi/shapes.server";

const threshold = REWARD_POLICY.adminApprovalAbove.toLocaleString("en-US");

export default defineRoute("/api/tokens/award", {
  post: {
    capability: "Tokens",
    summary: "Award or adjust tokens (admin)",
    description:
      "A positive `amount` awards, a negative one adjusts down, never below zero (409 `insufficient_balance`); at most ±1,000,000 at a time. " +
      `Your own wallet is refused (403). An award above ${threshold} tokens is not credited yet: the answer is 202 with a pending request that another admin ` +
      "approves or rejects with `POST /api/tokens/awards/{requestId}`. Audited (`tokens.admin_adjusted`, `tokens.award_requested`). " +
      "Without an `Idempotency-Key` each request is its own entry. Admin adjustments never count on leaderboards.",
    auth: { kind: "signed_in", permission: "create:token-award:any" },
    idempotent: true,
    body: { schema: adminAwardSchema },
    responses: {
      201: { description: "Credited or debited: the ledger entry.", schema: z.object({ entry: tokenEntryShape, replayed: z.boolean() }) },
      202: { description: `Above ${threshold} tokens: waiting for a second admin.`, schema: z.object({ pending: tokenAwardRequestShape, replayed: z.boolean() }) },
    },
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
      {
        name: "needs_approval",
        summary: "A large award waits for a second admin",
        as: "admin",
        headers: { "Idempotency-Key": "hackathon-2026" },
        body: { userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x", amount: 5000, reason: "Hackathon winner" },
        status: 202,
        response: { pending: TOKEN_AWARD_REQUEST_EXAMPLE, replayed: false },
      },
      {
        name: "self",
        summary: "An admin's own wallet",
        as: "admin",
        body: { userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0y", amount: 1000000, reason: "Bonus for me" },
        status: 403,
        response: errorExample("forbidden", "Admins cannot award or adjust their own tokens; ask another admin."),
      },
      { name: "forbidden", summary: "Not an admin", as: "student", body: { userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x", amount: 500, reason: "Self-service" }, status: 403, response: FORBIDDEN },
    ],
  },
});

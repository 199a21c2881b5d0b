import * as z from "zod";
import { redeemSchema } from "~/modules/tokens/redeem.server";
import { defineRoute, errorExample, idOf } from "~/modules/openapi/define.server";
import { paymentStartedShape, TOKEN_ENTRY_EXAMPLE, tokenEntryShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/tokens/redeem", {
  post: {
    capability: "Tokens",
    summary: "Spend tokens",
    description:
      "`{\"item\":\"streak_freeze\"}` buys a freeze at once (409 with `details.reason` `insufficient_balance` or `limit_reached`). " +
      "`{\"item\":\"course_discount\",\"courseId\",\"tokens\"}` starts the course's Checkout for the lower amount; the tokens are held until the payment " +
      "settles (captured on success, released on failure, returned on refund). 409 with `details.reason` `already_enrolled` or `free_course` when there is nothing to pay; " +
      "like every refusal here it is answered before anything is written (no enrollment, no hold).",
    auth: { kind: "signed_in", permission: "create:token-redemption:own" },
    idempotent: true,
    body: { schema: redeemSchema },
    responses: {
      201: {
        description: "The freeze bought, or the discounted payment started.",
        schema: z.discriminatedUnion("item", [
          z.object({ item: z.literal("streak_freeze"), entry: tokenEntryShape, freezes: z.number().int(), balance: z.number().int() }),
          z.object({ item: z.literal("course_discount"), courseId: idOf("crs"), payment: paymentStartedShape }),
        ]),
      },
    },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"], 409: ["conflict", "idempotency_conflict"], 503: ["upstream_unavailable"] },
    examples: [
      {
        name: "freeze",
        summary: "Buy a streak freeze",
        as: "student",
        headers: { "Idempotency-Key": "freeze-2026-11-27" },
        body: { item: "streak_freeze" },
        status: 201,
        response: { item: "streak_freeze", entry: { ...TOKEN_ENTRY_EXAMPLE, userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x", sourceKey: "redeem:freeze-2026-11-27" }, freezes: 2, balance: 260 },
      },
      {
        name: "poor",
        summary: "Not enough tokens",
        as: "student",
        body: { item: "streak_freeze" },
        status: 409,
        response: errorExample("conflict", "Not enough tokens: the balance is 0, this needs 200.", { reason: "insufficient_balance" }),
      },
      {
        name: "invalid",
        summary: "Unknown item",
        as: "student",
        body: { item: "t-shirt" },
        status: 400,
      },
    ],
  },
});

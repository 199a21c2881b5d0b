import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { now } from "~/utils/clock";
import { purchaseCourse } from "~/modules/marketplace/checkout.server";
import { AppError, parseOrThrow } from "~/utils/errors";
import { REDEEM_ITEM_NAMES, TOKEN_RULES } from "./config";
import { unwrap, walletFor } from "./ledger.server";

/*
 * Spending tokens (docs/tokens.md). A streak freeze is bought at once; a course discount is a hold
 * taken when the purchase's payment is created (see capability.server.ts).
 */

export const redeemSchema = z.discriminatedUnion(
  "item",
  [
    z.object({ item: z.literal("streak_freeze") }).strict(),
    z
      .object({
        item: z.literal("course_discount"),
        courseId: z.string().trim().min(1).max(64),
        tokens: z.number().int("Whole tokens only").positive("Offer at least 1 token").max(10_000_000, "That is more tokens than any course accepts"),
      })
      .strict(),
  ],
  { error: () => `Unknown redemption; use one of: ${REDEEM_ITEM_NAMES.join(", ")}` },
);

/** Buys a streak freeze. `requestKey` (Idempotency-Key or a fresh id) makes the spend happen once. */
export async function buyStreakFreeze(app: AppContext, user: Pick<SessionUser, "id">, requestKey: string) {
  const result = unwrap(
    await walletFor(app, user.id).buyFreeze({ userId: user.id, at: now(), price: TOKEN_RULES.streakFreeze.price, sourceKey: `redeem:freeze:${requestKey}` }),
  );
  app.logger.info("tokens.redeemed", { userId: user.id, item: "streak_freeze", entryId: result.entry.id, amount: result.entry.amount, replayed: result.replayed });
  return { item: "streak_freeze" as const, entry: result.entry, freezes: result.freezes, balance: result.entry.balanceAfter };
}

/** `POST /api/tokens/redeem`: validates the item and spends on it. */
export async function redeem(app: AppContext, user: SessionUser, input: unknown, requestKey: string) {
  const data = parseOrThrow(redeemSchema, input);
  switch (data.item) {
    case "streak_freeze":
      return buyStreakFreeze(app, user, requestKey);
    case "course_discount": {
      // The discount is a hold taken when the course's payment is created (capability.server.ts).
      // Refused before any write when there is nothing to pay (owned or free): no enrollment behind a 409.
      const outcome = await purchaseCourse(app, user, { courseId: data.courseId, tokens: data.tokens }, { paymentRequired: "You already have this course, or it is free: nothing to discount." });
      if (outcome.status !== "payment_started") throw new AppError("conflict", "You already have this course, or it is free: nothing to discount.");
      app.logger.info("tokens.redeemed", { userId: user.id, item: "course_discount", paymentId: outcome.payment.paymentId });
      return { item: "course_discount" as const, courseId: outcome.courseId, payment: outcome.payment };
    }
  }
}

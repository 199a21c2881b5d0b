import * as z from "zod";
import type { PaymentCapability } from "~/modules/payments/registry";
import { now } from "~/utils/clock";
import { AppError } from "~/utils/errors";
import { discountFor } from "./config";
import { unwrap, walletFor } from "./ledger.server";

/*
 * What reward tokens plug into payments (assembled in app/capabilities.server.ts; payments never
 * imports tokens). A learner may pay part of a course with tokens: the tokens are held when the
 * payment is created (the hold id is the payment id), captured when it is paid, released when it
 * fails, expires or is canceled, and returned in proportion when it is refunded. A full refund of a
 * course also claws back the tokens that course earned.
 */

/** The field of POST /api/payments/process that offers tokens towards the price. */
export const tokensInput = z.object({
  tokens: z.number({ error: "Offer a whole number of tokens" }).int("Offer a whole number of tokens").positive("Offer a whole number of tokens").max(10_000_000).optional(),
});

const heldTokens = (metadata: Record<string, string>) => Number(metadata.tokensHeld ?? 0);

export const tokensCapability: PaymentCapability = {
  name: "tokens",
  paymentHooks: {
    inputSchema: tokensInput,
    async adjust(app, { user, paymentId, purpose, quote, input }) {
      const parsed = tokensInput.safeParse(input);
      if (!parsed.success) throw AppError.validation({ tokens: ["Offer a whole number of tokens"] });
      const offered = parsed.data.tokens;
      if (!offered) return null;
      if (purpose !== "course_purchase") throw AppError.validation({ tokens: ["Tokens pay only for courses"] });
      const { discount, tokens } = discountFor(quote.amount, offered);
      if (discount <= 0 || tokens <= 0) return null;
      const result = unwrap(
        await walletFor(app, user.id).hold({ userId: user.id, at: now(), holdId: paymentId, amount: tokens, reason: `Held for ${quote.description}`.slice(0, 200), ref: `payment:${paymentId}` }),
      );
      app.logger.info("tokens.held", { userId: user.id, paymentId, amount: tokens, discount, replayed: result.replayed });
      return { discount, metadata: { tokensHeld: String(tokens), tokenDiscount: String(discount), listAmount: String(quote.amount) } };
    },

    async paid(app, payment) {
      if (!heldTokens(payment.metadata)) return;
      const result = unwrap(await walletFor(app, payment.userId).captureHold({ userId: payment.userId, at: now(), holdId: payment.id, reason: "Discount on a course purchase" }));
      app.logger.info("tokens.hold_captured", { userId: payment.userId, paymentId: payment.id, amount: heldTokens(payment.metadata), replayed: result.replayed });
    },

    async unpaid(app, payment) {
      // Always tried (not only when metadata names a hold): adjust may have failed after holding.
      const result = await walletFor(app, payment.userId).releaseHold({ userId: payment.userId, at: now(), holdId: payment.id, reason: "Purchase not completed: tokens returned" });
      if (!result.ok && result.code === "not_found") return;
      const done = unwrap(result);
      if (!done.replayed) app.logger.info("tokens.hold_released", { userId: payment.userId, paymentId: payment.id, amount: done.hold.amount });
    },

    /**
     * A dispute of a course purchase (policy: payments/disputes-policy.ts). Opened: the tokens the
     * course earned are frozen (held under `dispute:<id>`). Won: released. Lost: released and clawed
     * back in one wallet transaction, and (policy) the tokens that paid part of the price returned,
     * as a full refund returns them.
     */
    async disputed(app, payment, dispute) {
      if (payment.purpose !== "course_purchase") return;
      const wallet = walletFor(app, payment.userId);
      const holdId = `dispute:${dispute.id}`;
      const log = app.logger.child({ userId: payment.userId, paymentId: payment.id, disputeId: dispute.id });
      if (dispute.stage === "opened") {
        if (!dispute.policy.freezeEarnedTokens) return;
        const result = unwrap(await wallet.freezeEarned({ userId: payment.userId, at: now(), holdId, ref: `course:${payment.purposeRef}`, reason: "Frozen while a payment dispute is open" }));
        if (result.hold) log.info("tokens.frozen_for_dispute", { amount: result.hold.amount, replayed: result.replayed });
        return;
      }
      const lost = dispute.stage === "lost";
      const settled = unwrap(
        await wallet.settleFrozen({
          userId: payment.userId,
          at: now(),
          holdId,
          releaseReason: lost ? "Dispute lost: frozen tokens released before the clawback" : "Dispute closed in your favour: tokens unfrozen",
          clawback: lost && dispute.policy.lostIsFullRefund ? { ref: `course:${payment.purposeRef}`, sourceKey: `clawback:${payment.id}`, reason: "Payment charged back: tokens the course earned taken back" } : null,
        }),
      );
      log.info(lost ? "tokens.dispute_lost" : "tokens.dispute_won", { released: settled.released, clawedBack: settled.clawback?.amount ?? 0, replayed: settled.replayed });
      const held = heldTokens(payment.metadata);
      if (lost && dispute.policy.returnDiscountTokensOnLoss && held > 0) {
        const result = unwrap(await wallet.returnHold({ userId: payment.userId, at: now(), holdId: payment.id, returnTotal: held, refundKey: holdId, reason: "Payment charged back: discount tokens returned" }));
        log.info("tokens.hold_returned", { returnTotal: held, replayed: result.replayed });
      }
    },

    async refunded(app, payment, refund) {
      const wallet = walletFor(app, payment.userId);
      const held = heldTokens(payment.metadata);
      if (held > 0 && payment.amount > 0) {
        const returnTotal = Math.floor((held * Math.min(payment.amountRefunded, payment.amount)) / payment.amount);
        const result = unwrap(await wallet.returnHold({ userId: payment.userId, at: now(), holdId: payment.id, returnTotal, refundKey: refund.id, reason: "Refund: discount tokens returned" }));
        app.logger.info("tokens.hold_returned", { userId: payment.userId, paymentId: payment.id, refundId: refund.id, returnTotal, replayed: result.replayed });
      }
      if (payment.purpose === "course_purchase" && payment.amountRefunded >= payment.amount) {
        const result = unwrap(
          await wallet.clawback({ userId: payment.userId, at: now(), ref: `course:${payment.purposeRef}`, sourceKey: `clawback:${payment.id}`, reason: "Course refunded: tokens it earned taken back" }),
        );
        if (result.entry) app.logger.info("tokens.clawed_back", { userId: payment.userId, paymentId: payment.id, amount: result.entry.amount, due: result.due, replayed: result.replayed });
      }
    },
  },
};

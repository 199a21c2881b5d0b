import { and, eq, isNull } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import type { DisputeEffect, PaymentForPurpose } from "~/modules/payments/purposes";
import { createStripe } from "~/modules/payments/stripe.server";
import { now } from "~/utils/clock";
import { subscriptions } from "~drizzle/schema";
import { syncSubscription } from "./stripe-sync.server";

/**
 * A dispute of a subscription invoice (the payment's `purposeRef` is our subscription id). Opened:
 * `dispute_id` is set, so getEntitlement no longer counts the subscription and the user is on Free
 * at once. Won: cleared, the tier is back. Lost: stays set and, by policy, the subscription is
 * canceled now in Stripe (idempotency key from the dispute id), so the card that was charged back is
 * not charged again. Idempotent per dispute. `updated_at` moves with `dispute_id`, so licensing's
 * cron reconciliation sees the change even if its dispute hook did not run.
 */
export async function disputeSubscription(app: AppContext, payment: PaymentForPurpose, dispute: DisputeEffect) {
  const log = app.logger.child({ paymentId: payment.id, disputeId: dispute.id, subscriptionId: payment.purposeRef, userId: payment.userId });
  if (dispute.stage === "won") {
    await app.db.update(subscriptions).set({ disputeId: null, updatedAt: now() }).where(and(eq(subscriptions.id, payment.purposeRef), eq(subscriptions.disputeId, dispute.id))).run();
    log.info("subscription.dispute_won", {});
    return;
  }
  if (dispute.policy.suspendAccessWhileOpen || dispute.stage === "lost") {
    await app.db.update(subscriptions).set({ disputeId: dispute.id, updatedAt: now() }).where(and(eq(subscriptions.id, payment.purposeRef), isNull(subscriptions.disputeId))).run();
  }
  if (dispute.stage === "opened") {
    log.info("subscription.disputed", {});
    return;
  }
  const row = await app.db.select().from(subscriptions).where(eq(subscriptions.id, payment.purposeRef)).get();
  if (!row || !dispute.policy.cancelSubscriptionOnLoss || row.status === "canceled" || row.status === "incomplete_expired") return;
  const stripe = createStripe(app);
  const canceled = await stripe.subscriptions
    .cancel(row.stripeSubscriptionId, { cancellation_details: { comment: "Invoice charged back (dispute lost)." } }, { idempotencyKey: `dispute-${dispute.id}-cancel` })
    .catch(async (error) => {
      const current = await stripe.subscriptions.retrieve(row.stripeSubscriptionId);
      if (current.status === "canceled") return current;
      throw error;
    });
  await auditInsert(app, { actorId: null, action: "subscription.canceled_after_dispute", targetType: "subscription", targetId: row.id, metadata: { disputeId: dispute.id, userId: row.userId, tier: row.tier } }).run();
  await syncSubscription(app, row.stripeSubscriptionId, { source: "webhook" }, canceled);
  log.info("subscription.canceled_after_dispute", {});
}

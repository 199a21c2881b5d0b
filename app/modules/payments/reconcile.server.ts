import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { AppError } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { payments, refunds } from "~drizzle/schema";
import { sendFailureNotice, sendReceipt } from "./notifications.server";
import type { PaymentPurposeName } from "./purposes";
import { findPayment, toPurposeView, type Payment } from "./records.server";
import { refundTotalsStatement, runReversals } from "./refunds.server";
import { getPurpose } from "./registry";
import { ALLOWED_FROM, PAID_STATUSES, statusFromIntent } from "./status";
import { createStripe, declineMessage } from "./stripe.server";

/**
 * Brings our payment in line with Stripe by re-reading the PaymentIntent (never trusting an
 * event's possibly stale payload), then runs fulfilment and refund reversals that are due. Safe to
 * call any number of times, in any order.
 */
export async function reconcilePayment(app: AppContext, paymentId: string, hint: { paymentIntentId?: string | null } = {}) {
  const stripe = createStripe(app);
  let payment = await findPayment(app, { id: paymentId });
  if (!payment) throw AppError.notFound("Payment");
  const log = app.logger.child({ paymentId, userId: payment.userId });
  const before = payment.status;

  let piId = payment.stripePaymentIntentId ?? hint.paymentIntentId ?? null;
  if (!piId && payment.stripeCheckoutSessionId) {
    const session = await stripe.checkout.sessions.retrieve(payment.stripeCheckoutSessionId);
    piId = typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null);
  }
  if (!piId) return payment; // Checkout not completed yet: nothing to sync.

  const intent = await stripe.paymentIntents.retrieve(piId);
  const next = statusFromIntent(intent.status, !!intent.last_payment_error);
  const chargeId = typeof intent.latest_charge === "string" ? intent.latest_charge : (intent.latest_charge?.id ?? null);
  const failure = intent.last_payment_error;
  const t = now();
  await app.db
    .update(payments)
    .set({
      stripePaymentIntentId: piId,
      stripeChargeId: chargeId,
      status: next,
      failureCode: next === "failed" ? (failure?.decline_code ?? failure?.code ?? "card_declined") : null,
      failureMessage: next === "failed" ? declineMessage(failure?.code, failure?.decline_code) : null,
      succeededAt: next === "succeeded" ? sql`coalesce(${payments.succeededAt}, ${t})` : payments.succeededAt,
      stripeUpdatedAt: t,
      updatedAt: t,
    })
    .where(and(eq(payments.id, paymentId), inArray(payments.status, [...ALLOWED_FROM[next]])))
    .run();
  // The PI id may be new even when the status did not move (e.g. a Checkout just completed).
  if (!payment.stripePaymentIntentId) {
    await app.db.update(payments).set({ stripePaymentIntentId: piId }).where(and(eq(payments.id, paymentId), isNull(payments.stripePaymentIntentId))).run();
  }

  if (PAID_STATUSES.includes(next) || PAID_STATUSES.includes(payment.status)) await syncRefundsFromStripe(app, stripe, paymentId, piId);
  payment = (await findPayment(app, { id: paymentId }))!;
  if (payment.status !== before) log.info("payment.status_changed", { from: before, to: payment.status });
  await runDueEffects(app, payment);
  return (await findPayment(app, { id: paymentId }))!;
}

/** Fulfils a paid payment once, then reverses each succeeded refund once; sends the emails. */
async function runDueEffects(app: AppContext, payment: Payment) {
  const purpose = getPurpose(app, payment.purpose as PaymentPurposeName);
  const log = app.logger.child({ paymentId: payment.id, userId: payment.userId });
  if (PAID_STATUSES.includes(payment.status) && !payment.fulfilledAt) {
    await purpose.fulfil(app, toPurposeView(payment));
    const marked = await app.db
      .update(payments)
      .set({ fulfilledAt: now() })
      .where(and(eq(payments.id, payment.id), isNull(payments.fulfilledAt)))
      .run();
    if (marked.meta.changes > 0) {
      log.info("payment.fulfilled", { purpose: payment.purpose, amount: payment.amount, currency: payment.currency });
      await sendReceipt(app, payment);
    }
  }
  if (payment.status === "failed") if (!purpose.ownsFailureNotice) await sendFailureNotice(app, payment);
  await runReversals(app, purpose, payment);
}

/**
 * Records refunds made in Stripe that we do not know yet (for example from the Dashboard),
 * confirms our pending ones, and recomputes the payment's refunded totals from the refund rows.
 */
async function syncRefundsFromStripe(app: AppContext, stripe: Stripe, paymentId: string, paymentIntentId: string) {
  const list = await stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 });
  const payment = (await findPayment(app, { id: paymentId }))!;
  const t = now();
  for (const r of list.data) {
    const status = r.status === "succeeded" ? "succeeded" : r.status === "failed" || r.status === "canceled" ? "failed" : "pending";
    const ourId = r.metadata?.refundId;
    if (ourId) {
      await app.db
        .update(refunds)
        .set({ status, stripeRefundId: r.id, updatedAt: t })
        .where(and(eq(refunds.id, ourId), eq(refunds.paymentId, paymentId), eq(refunds.status, "pending")))
        .run();
    } else {
      await app.db
        .insert(refunds)
        .values({
          id: createId("refund"),
          paymentId,
          amount: r.amount,
          currency: payment.currency,
          reason: r.reason ?? "Refunded in Stripe",
          status,
          stripeRefundId: r.id,
          requestedBy: null,
          createdAt: r.created * 1000,
          updatedAt: t,
        })
        .onConflictDoNothing()
        .run();
    }
  }
  await refundTotalsStatement(app, paymentId).run();
}

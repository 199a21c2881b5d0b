import { and, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { AppError } from "~/utils/errors";
import { payments, stripeCustomers } from "~drizzle/schema";
import { sendFailureNotice, sendReceipt } from "./notifications.server";
import type { PaymentPurposeName } from "./purposes";
import { findPayment, toPurposeView, type Payment } from "./records.server";
import { refundPayment, runReversals, syncRefundsFromStripe } from "./refunds.server";
import { getPurpose, runPaymentHooks } from "./registry";
import { ALLOWED_FROM, OPEN_STATUSES, PAID_STATUSES, statusFromIntent } from "./status";
import { checkStripe, createStripe, declineMessage, stripeShapes } from "./stripe.server";
import { recordCheckoutTax } from "./tax.server";
import { UNKNOWN_OUTCOME_POLICY } from "./unknown-outcomes";

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

  const intent = checkStripe(stripeShapes.paymentIntent, await stripe.paymentIntents.retrieve(piId), "PaymentIntent");
  const next = statusFromIntent(intent.status, !!intent.last_payment_error);
  // The tax Checkout computed (and the total it charged) is recorded before anything is fulfilled.
  if (next === "succeeded" && !payment.taxRecordedAt) await recordCheckoutTax(app, stripe, payment, intent);
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
    await runPaymentHooks(app, "paid", toPurposeView(payment));
    const outcome = await purpose.fulfil(app, toPurposeView(payment));
    // A duplicate is refunded before it is marked, so a crash in between refunds on redelivery.
    if (outcome === "duplicate") await refundDuplicate(app, payment);
    const marked = await app.db
      .update(payments)
      .set({ fulfilledAt: now() })
      .where(and(eq(payments.id, payment.id), isNull(payments.fulfilledAt)))
      .run();
    if (marked.meta.changes > 0) await runPaymentHooks(app, "fulfilled", toPurposeView(payment));
    if (marked.meta.changes > 0 && outcome !== "duplicate") {
      log.info("payment.fulfilled", { purpose: payment.purpose, amount: payment.amount, currency: payment.currency });
      if (!purpose.ownsReceipt) await sendReceipt(app, payment);
    }
  }
  if (payment.status === "failed" || payment.status === "canceled") await runPaymentHooks(app, "unpaid", toPurposeView(payment));
  if (payment.status === "failed") if (!purpose.ownsFailureNotice) await sendFailureNotice(app, payment);
  await runReversals(app, purpose, payment);
}

/** A second payment for something already granted: refund what is left of it, once. */
async function refundDuplicate(app: AppContext, payment: Payment) {
  const fresh = (await findPayment(app, { id: payment.id }))!;
  const left = fresh.amount - fresh.amountRefunded - fresh.amountRefundPending;
  app.logger.warn("payment.duplicate", { paymentId: payment.id, userId: payment.userId, purpose: payment.purpose, purposeRef: payment.purposeRef, refundable: left });
  if (left <= 0 || !PAID_STATUSES.includes(fresh.status)) return;
  await refundPayment(app, null, { paymentId: payment.id, reason: "Duplicate payment: you already had access, so this one was refunded automatically." });
}

/** An open payment this old without an answer from Stripe is given up by the cron (the policy's bound). */
export const STALE_PAYMENT_MS = UNKNOWN_OUTCOME_POLICY.giveUpAfterMs;

/**
 * Cron: settles payments left open by a call whose outcome was unknown. One that Stripe knows is
 * reconciled from Stripe — also a card payment whose PaymentIntent answer was lost, found among the
 * customer's PaymentIntents by our payment id in its metadata; one Stripe never made is canceled
 * after the bound (a late success can still move it to succeeded, see ALLOWED_FROM), which frees the
 * buyer to try again. The cron never sends a charge itself: the buyer is not there to see it.
 */
export async function settleStalePayments(app: AppContext, limit = 50) {
  const stale = await app.db
    .select()
    .from(payments)
    .where(and(inArray(payments.status, [...OPEN_STATUSES]), lt(payments.updatedAt, now() - STALE_PAYMENT_MS)))
    .limit(limit)
    .all();
  for (const payment of stale) {
    try {
      await settleStalePayment(app, payment);
    } catch (error) {
      // Stripe unreachable, say: this one waits for the next run; the others go on.
      app.logger.warn("payment.settle_stale_failed", { paymentId: payment.id, error });
    }
  }
  return stale.length;
}

/** One stale payment: reconciled if Stripe knows it, canceled if Stripe never made it. */
async function settleStalePayment(app: AppContext, payment: Payment) {
  const intentId = payment.stripePaymentIntentId ?? (payment.flow === "payment_method" ? await findLostIntent(app, payment) : null);
  if (intentId || payment.stripeCheckoutSessionId) {
    await reconcilePayment(app, payment.id, { paymentIntentId: intentId });
    return;
  }
  await app.db
    .update(payments)
    .set({ status: "canceled", failureCode: "abandoned", failureMessage: "The payment was not completed.", updatedAt: now() })
    .where(and(eq(payments.id, payment.id), eq(payments.status, "requires_action"), isNull(payments.stripePaymentIntentId), isNull(payments.stripeCheckoutSessionId)))
    .run();
  app.logger.info("payment.abandoned", { paymentId: payment.id, userId: payment.userId });
  await runPaymentHooks(app, "unpaid", toPurposeView(payment));
}

/** The PaymentIntent Stripe made for a card payment whose answer we lost, if any (our id in its metadata). */
async function findLostIntent(app: AppContext, payment: Payment): Promise<string | null> {
  const customer = await app.db.select().from(stripeCustomers).where(eq(stripeCustomers.userId, payment.userId)).get();
  if (!customer) return null;
  const list = await createStripe(app).paymentIntents.list({ customer: customer.stripeCustomerId, limit: 100 });
  return list.data.find((pi) => pi.metadata?.paymentId === payment.id)?.id ?? null;
}

/**
 * A payment's Checkout Session expired (Stripe's event, or the buyer came back from Checkout with
 * "back" and we expired it): an open payment becomes canceled, once, and its purposes' `unpaid`
 * hooks run (tokens held for a discount are released). A payment that moved on is left alone.
 */
export async function closeExpiredCheckout(app: AppContext, paymentId: string) {
  await app.db
    .update(payments)
    .set({ status: "canceled", failureCode: "checkout_expired", failureMessage: "The checkout page expired.", updatedAt: now() })
    .where(and(eq(payments.id, paymentId), eq(payments.status, "requires_action")))
    .run();
  const closed = await findPayment(app, { id: paymentId });
  if (closed?.status === "canceled") await runPaymentHooks(app, "unpaid", toPurposeView(closed));
  return closed;
}

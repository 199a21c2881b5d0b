import * as z from "zod";
import type { AppContext } from "~/context.server";
import { findPayment, type Payment } from "./records.server";
import { closeExpiredCheckout, reconcilePayment } from "./reconcile.server";
import { PAID_STATUSES } from "./status";
import { checkStripe, createStripe, stripeShapes } from "./stripe.server";

/** Where a payment stands when its buyer comes back from Checkout. */
export type CheckoutReturnState = "paid" | "processing" | "failed" | "canceled";
export type CheckoutReturn = { state: CheckoutReturnState; payment: Payment };

const returnedSession = stripeShapes.checkoutSession.extend({
  status: z.enum(["open", "complete", "expired"]).nullish(),
  payment_status: z.string().nullish(),
  client_reference_id: z.string().nullish(),
});

export function returnStateOf(payment: Payment): CheckoutReturnState {
  if (PAID_STATUSES.includes(payment.status)) return payment.fulfilledAt ? "paid" : "processing";
  if (payment.status === "failed") return "failed";
  if (payment.status === "canceled") return "canceled";
  return "processing";
}

/**
 * The buyer is back on the Checkout success URL. Stripe's guidance is to fulfil from the redirect
 * as well as the webhook, so the buyer does not wait for the event: we re-read the Checkout
 * Session and, once it is complete, settle the payment through `reconcilePayment`, the very path
 * the webhook consumer takes (fulfil once, receipt once, hooks idempotent). Whichever of the two
 * arrives first does the work; the other finds it done. Only the payment's own buyer triggers it
 * (anyone else gets null). When Stripe cannot be reached the payment stays as it is and the
 * webhook settles it.
 */
export async function settleCheckoutReturn(app: AppContext, userId: string, paymentId: string): Promise<CheckoutReturn | null> {
  const payment = await findPayment(app, { id: paymentId });
  if (!payment || payment.userId !== userId) return null;
  const state = returnStateOf(payment);
  if (state !== "processing" || !payment.stripeCheckoutSessionId) return { state, payment };
  const log = app.logger.child({ paymentId, userId, checkoutSessionId: payment.stripeCheckoutSessionId });
  try {
    const session = checkStripe(returnedSession, await createStripe(app).checkout.sessions.retrieve(payment.stripeCheckoutSessionId), "Checkout Session");
    if (session.client_reference_id && session.client_reference_id !== payment.id) {
      log.warn("payment.checkout_return_mismatch", { clientReferenceId: session.client_reference_id });
      return { state, payment };
    }
    if (session.status !== "complete") return { state, payment };
    const piId = typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null);
    const settled = await reconcilePayment(app, payment.id, { paymentIntentId: piId });
    const next = returnStateOf(settled);
    log.info("payment.checkout_returned", { state: next });
    return { state: next, payment: settled };
  } catch (error) {
    log.warn("payment.checkout_return_unsettled", { error });
    return { state, payment };
  }
}

/**
 * The buyer left Checkout ("back", the cancel URL): the Checkout Session is expired at Stripe now, so
 * it can no longer be paid, and the payment is closed the way Stripe's `checkout.session.expired`
 * closes it (tokens held for its discount come back at once instead of after the stale-payment cron).
 * Only the payment's own buyer triggers it. If Stripe says the session was completed after all (paid
 * in another tab), the payment is settled instead; if Stripe cannot be reached, nothing changes and
 * the webhook or the cron settles it.
 */
export async function cancelCheckoutReturn(app: AppContext, userId: string, paymentId: string): Promise<CheckoutReturn | null> {
  const payment = await findPayment(app, { id: paymentId });
  if (!payment || payment.userId !== userId) return null;
  if (payment.status !== "requires_action" || !payment.stripeCheckoutSessionId) return { state: returnStateOf(payment), payment };
  const log = app.logger.child({ paymentId, userId, checkoutSessionId: payment.stripeCheckoutSessionId });
  try {
    const stripe = createStripe(app);
    const session = checkStripe(returnedSession, await stripe.checkout.sessions.retrieve(payment.stripeCheckoutSessionId), "Checkout Session");
    if (session.status === "complete") {
      const settled = await reconcilePayment(app, payment.id);
      return { state: returnStateOf(settled), payment: settled };
    }
    if (session.status === "open") {
      await stripe.checkout.sessions.expire(payment.stripeCheckoutSessionId, {}, { idempotencyKey: `payment-${payment.id}-checkout-expire` });
    }
    const closed = (await closeExpiredCheckout(app, payment.id)) ?? payment;
    log.info("payment.checkout_canceled", { status: closed.status });
    return { state: returnStateOf(closed), payment: closed };
  } catch (error) {
    log.warn("payment.checkout_cancel_unsettled", { error });
    return { state: returnStateOf(payment), payment };
  }
}

import * as z from "zod";
import type { AppContext } from "~/context.server";
import { findPayment, type Payment } from "./records.server";
import { reconcilePayment } from "./reconcile.server";
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

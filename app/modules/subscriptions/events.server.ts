import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { StripeEventHandler } from "~/modules/payments/registry";
import { fulfilSubscriptionCheckout, settleCheckoutStart } from "./lifecycle.server";
import { remindTrialEnding } from "./trials.server";
import { findByStripeId, handleFailedInvoice, invoiceSubscriptionId, recordPaidInvoice, retrieveInvoice, syncSubscription } from "./stripe-sync.server";

/*
 * Stripe events the subscriptions capability owns (registered through capability.server.ts). Each handler reads only ids from the payload and re-reads the objects from
 * Stripe, so duplicates and out-of-order deliveries converge on Stripe's current state. Throwing
 * makes the queue retry.
 */

const dataObject = (event: Parameters<StripeEventHandler>[1]) => (event.payload as { data?: { object?: unknown } }).data?.object;

const subscriptionRef = z.object({ id: z.string().regex(/^sub_\w+$/) }).loose();
const invoiceRef = z
  .object({
    id: z.string().regex(/^in_\w+$/),
    parent: z.object({ subscription_details: z.object({ subscription: z.string().nullish() }).nullish() }).nullish(),
  })
  .loose();
const sessionRef = z.object({ id: z.string(), mode: z.string(), subscription: z.string().nullish() }).loose();

const onSubscriptionEvent: StripeEventHandler = async (app, event) => {
  const { id } = subscriptionRef.parse(dataObject(event));
  const row = await syncSubscription(app, id, { source: "webhook" });
  return row ? "processed" : "ignored";
};

async function subscriptionForInvoice(app: AppContext, invoiceId: string) {
  const invoice = await retrieveInvoice(app, invoiceId);
  const subId = invoiceSubscriptionId(invoice);
  if (!subId) return null;
  const row = (await syncSubscription(app, subId, { source: "webhook" })) ?? (await findByStripeId(app, subId));
  return row ? { invoice, row } : null;
}

/** Three days before a trial ends: the reminder email (trials.server.ts). */
const onTrialWillEnd: StripeEventHandler = async (app, event) => {
  const { id } = subscriptionRef.parse(dataObject(event));
  return remindTrialEnding(app, id);
};

const onInvoicePaid: StripeEventHandler = async (app, event) => {
  const ref = invoiceRef.parse(dataObject(event));
  if (!ref.parent?.subscription_details?.subscription) return "ignored";
  const found = await subscriptionForInvoice(app, ref.id);
  if (!found) return "ignored";
  await recordPaidInvoice(app, found.row, found.invoice);
  return "processed";
};

const onInvoicePaymentFailed: StripeEventHandler = async (app, event) => {
  const ref = invoiceRef.parse(dataObject(event));
  if (!ref.parent?.subscription_details?.subscription) return "ignored";
  const found = await subscriptionForInvoice(app, ref.id);
  if (!found) return "ignored";
  // Re-read: a later retry may already have paid it; then there is nothing to dun.
  if (found.invoice.status !== "open" || found.row.status !== "past_due") return "processed";
  await handleFailedInvoice(app, found.row, found.invoice, { source: "webhook" });
  return "processed";
};

const onCheckoutCompleted: StripeEventHandler = async (app, event) => {
  const session = sessionRef.parse(dataObject(event));
  if (session.mode !== "subscription" || !session.subscription) return "ignored";
  const row = await fulfilSubscriptionCheckout(app, { id: session.id, subscription: session.subscription }, { source: "webhook" });
  return row ? "processed" : "ignored";
};

const onCheckoutExpired: StripeEventHandler = async (app, event) => {
  const session = sessionRef.parse(dataObject(event));
  if (session.mode !== "subscription") return "ignored";
  await settleCheckoutStart(app, session.id, "canceled");
  return "processed";
};

export const SUBSCRIPTION_EVENT_HANDLERS: Record<string, StripeEventHandler> = {
  "customer.subscription.created": onSubscriptionEvent,
  "customer.subscription.updated": onSubscriptionEvent,
  "customer.subscription.deleted": onSubscriptionEvent,
  "customer.subscription.paused": onSubscriptionEvent,
  "customer.subscription.trial_will_end": onTrialWillEnd,
  "invoice.paid": onInvoicePaid,
  "invoice.payment_failed": onInvoicePaymentFailed,
  "checkout.session.completed": onCheckoutCompleted,
  "checkout.session.expired": onCheckoutExpired,
};

import { handleStripeEventMessage, recordDeadStripeEvent, STRIPE_EVENTS_DEAD_LETTER_QUEUE, STRIPE_EVENTS_QUEUE, stripeEventOrder } from "~/modules/payments/stripe-events.server";
import { parallelByKey, perMessage, type QueueConsumer } from "./consumer";

/** The rules live in app/modules/payments. */
export const stripeEventConsumers: Record<string, QueueConsumer> = {
  // A batch in parallel; the events of one payment one after another, in Stripe's order.
  [STRIPE_EVENTS_QUEUE]: parallelByKey((app, body, meta) => handleStripeEventMessage(app, body, meta.attempts), stripeEventOrder),
  [STRIPE_EVENTS_DEAD_LETTER_QUEUE]: perMessage((app, body) => recordDeadStripeEvent(app, body)),
};

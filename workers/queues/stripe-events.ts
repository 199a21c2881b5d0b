import { handleStripeEventBatch, recordDeadStripeEvent } from "~/modules/payments/event-consumer.server";
import { STRIPE_EVENTS_DEAD_LETTER_QUEUE, STRIPE_EVENTS_QUEUE } from "~/modules/payments/stripe-events.server";
import { perMessage, wholeBatch, type QueueConsumer } from "./consumer";

/** The rules live in app/modules/payments. */
export const stripeEventConsumers: Record<string, QueueConsumer> = {
  // A whole batch per D1 round trip; the events of one payment one after another, in Stripe's order.
  [STRIPE_EVENTS_QUEUE]: wholeBatch(handleStripeEventBatch),
  [STRIPE_EVENTS_DEAD_LETTER_QUEUE]: perMessage((app, body) => recordDeadStripeEvent(app, body)),
};

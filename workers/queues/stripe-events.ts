import { handleStripeEventMessage, recordDeadStripeEvent, STRIPE_EVENTS_DEAD_LETTER_QUEUE, STRIPE_EVENTS_QUEUE } from "~/modules/payments/stripe-events.server";
import { perMessage, type QueueConsumer } from "./consumer";

/** The rules live in app/modules/payments. */
export const stripeEventConsumers: Record<string, QueueConsumer> = {
  [STRIPE_EVENTS_QUEUE]: perMessage((app, body, meta) => handleStripeEventMessage(app, body, meta.attempts)),
  [STRIPE_EVENTS_DEAD_LETTER_QUEUE]: perMessage((app, body) => recordDeadStripeEvent(app, body)),
};

import type { AppContext } from "~/context.server";
import {
  handleStripeEventMessage,
  recordDeadStripeEvent,
  STRIPE_EVENTS_DEAD_LETTER_QUEUE,
  STRIPE_EVENTS_QUEUE,
  type ConsumerOutcome,
} from "~/modules/payments/stripe-events.server";
import type { QueueConsumer } from "./index";

/** Acks or retries each message on its own; the rules live in app/modules/payments. */
function consumer(handle: (app: AppContext, body: unknown, attempts: number) => Promise<ConsumerOutcome>): QueueConsumer {
  return async (batch, app) => {
    for (const message of batch.messages) {
      try {
        const outcome = await handle(app, message.body, message.attempts);
        if (outcome.action === "ack") message.ack();
        else message.retry({ delaySeconds: outcome.delaySeconds });
      } catch (error) {
        app.logger.error("stripe.consumer_error", { messageId: message.id, error });
        message.retry();
      }
    }
  };
}

export const stripeEventConsumers: Record<string, QueueConsumer> = {
  [STRIPE_EVENTS_QUEUE]: consumer(handleStripeEventMessage),
  [STRIPE_EVENTS_DEAD_LETTER_QUEUE]: consumer(recordDeadStripeEvent),
};

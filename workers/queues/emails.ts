import type { AppContext } from "~/context.server";
import {
  deliverEmailMessage,
  EMAIL_DEAD_LETTER_QUEUE,
  EMAIL_QUEUE,
  recordDeadLetter,
  type DeliveryOutcome,
  type MessageMeta,
} from "~/modules/email/email.server";
import { getEmailProvider } from "~/modules/email/providers.server";
import { brandingForEmail } from "~/modules/licensing/branding.server";
import type { QueueConsumer } from "./index";

type Handler = (app: AppContext, body: unknown, meta: MessageMeta) => Promise<DeliveryOutcome>;

/** Acks or retries each message on its own; the rules live in app/modules/email. */
function consumer(handle: Handler): QueueConsumer {
  return async (batch, app) => {
    for (const message of batch.messages) {
      const meta = { messageId: message.id, attempts: message.attempts };
      try {
        const outcome = await handle(app, message.body, meta);
        if (outcome.action === "ack") message.ack();
        else message.retry({ delaySeconds: outcome.delaySeconds });
      } catch (error) {
        // The services never throw; this is the last line of defence for one message.
        app.logger.error("email.consumer_error", { messageId: message.id, error });
        message.retry();
      }
    }
  };
}

export const emailConsumers: Record<string, QueueConsumer> = {
  [EMAIL_QUEUE]: consumer((app, body, meta) => deliverEmailMessage(app, body, meta, getEmailProvider(app), (to) => brandingForEmail(app, to))),
  [EMAIL_DEAD_LETTER_QUEUE]: consumer(recordDeadLetter),
};

import type { AppContext } from "~/context.server";

/** A queue consumer: receives the whole batch. */
export type QueueConsumer = (batch: MessageBatch<unknown>, app: AppContext) => Promise<void>;

/** What a service decides for one message. */
export type MessageOutcome = { action: "ack" } | { action: "retry"; delaySeconds: number };
export type MessageMeta = { messageId: string; attempts: number };
export type MessageHandler = (app: AppContext, body: unknown, meta: MessageMeta) => Promise<MessageOutcome>;
/** A service that decides for a whole batch at once (by message id). */
export type BatchHandler = (app: AppContext, messages: Array<{ id: string; body: unknown; attempts: number }>) => Promise<Map<string, MessageOutcome>>;

function apply(message: Message<unknown>, outcome: MessageOutcome) {
  if (outcome.action === "ack") message.ack();
  else message.retry({ delaySeconds: outcome.delaySeconds });
}

/**
 * The consumer wrapper for one message at a time: acks or retries each message on its own, inside
 * try/catch, so one bad message never fails the batch. The rules (what to ack, when to retry) live
 * in the services.
 */
export function perMessage(handle: MessageHandler): QueueConsumer {
  return async (batch, app) => {
    for (const message of batch.messages) {
      try {
        apply(message, await handle(app, message.body, { messageId: message.id, attempts: message.attempts }));
      } catch (error) {
        // Services decide ack or retry themselves; this is the last line of defence for one message.
        app.logger.error("queue.consumer_error", { queue: batch.queue, messageId: message.id, error });
        message.retry();
      }
    }
  };
}

/**
 * The consumer wrapper for a service that handles the batch as a whole (a constant number of
 * database round trips per batch). If it throws, every message comes back; a message it gives no
 * outcome for is retried.
 */
export function wholeBatch(handle: BatchHandler): QueueConsumer {
  return async (batch, app) => {
    let outcomes: Map<string, MessageOutcome>;
    try {
      outcomes = await handle(app, batch.messages.map((m) => ({ id: m.id, body: m.body, attempts: m.attempts })));
    } catch (error) {
      app.logger.error("queue.batch_error", { queue: batch.queue, messages: batch.messages.length, error });
      batch.retryAll();
      return;
    }
    for (const message of batch.messages) apply(message, outcomes.get(message.id) ?? { action: "retry", delaySeconds: 0 });
  };
}

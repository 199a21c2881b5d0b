import type { AppContext } from "~/context.server";

/** A queue consumer: receives the whole batch. */
export type QueueConsumer = (batch: MessageBatch<unknown>, app: AppContext) => Promise<void>;

/** What a service decides for one message. */
export type MessageOutcome = { action: "ack" } | { action: "retry"; delaySeconds: number };
export type MessageMeta = { messageId: string; attempts: number };
export type MessageHandler = (app: AppContext, body: unknown, meta: MessageMeta) => Promise<MessageOutcome>;

/**
 * The one consumer wrapper: acks or retries each message on its own, inside try/catch, so one bad
 * message never fails the batch. The rules (what to ack, when to retry) live in the services.
 */
export function perMessage(handle: MessageHandler): QueueConsumer {
  return async (batch, app) => {
    for (const message of batch.messages) await handleOne(handle, batch.queue, message, app);
  };
}

async function handleOne(handle: MessageHandler, queue: string, message: Message<unknown>, app: AppContext) {
  try {
    const outcome = await handle(app, message.body, { messageId: message.id, attempts: message.attempts });
    if (outcome.action === "ack") message.ack();
    else message.retry({ delaySeconds: outcome.delaySeconds });
  } catch (error) {
    // Services decide ack or retry themselves; this is the last line of defence for one message.
    app.logger.error("queue.consumer_error", { queue, messageId: message.id, error });
    message.retry();
  }
}

/**
 * Like perMessage, but messages with different keys run in parallel; messages with the same key run
 * one after another, ordered by `created` (then by their place in the batch).
 */
export function parallelByKey(handle: MessageHandler, orderOf: (body: unknown) => { key: string; created: number }): QueueConsumer {
  return async (batch, app) => {
    const groups = new Map<string, Array<{ message: Message<unknown>; created: number; index: number }>>();
    batch.messages.forEach((message, index) => {
      const { key, created } = orderOf(message.body);
      const group = groups.get(key) ?? [];
      group.push({ message, created, index });
      groups.set(key, group);
    });
    await Promise.all(
      [...groups.values()].map(async (group) => {
        group.sort((a, b) => a.created - b.created || a.index - b.index);
        for (const { message } of group) await handleOne(handle, batch.queue, message, app);
      }),
    );
  };
}

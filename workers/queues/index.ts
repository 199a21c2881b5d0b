import type { AppContext } from "~/context.server";
import { emailConsumers } from "./emails";
import { stripeEventConsumers } from "./stripe-events";

/**
 * Queue consumers, keyed by queue name (as in wrangler.toml). Each consumer acks or retries
 * every message on its own, inside try/catch, so one bad message never fails the batch.
 */
export type QueueConsumer = (batch: MessageBatch<unknown>, app: AppContext) => Promise<void>;

export const queueConsumers: Record<string, QueueConsumer> = {
  ...emailConsumers,
  ...stripeEventConsumers,
};

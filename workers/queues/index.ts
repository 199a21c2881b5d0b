import type { QueueConsumer } from "./consumer";
import { emailConsumers } from "./emails";
import { stripeEventConsumers } from "./stripe-events";

/** Queue consumers, keyed by queue name (as in wrangler.toml); each is built with `perMessage` or `wholeBatch`. */

export const queueConsumers: Record<string, QueueConsumer> = {
  ...emailConsumers,
  ...stripeEventConsumers,
};

import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { eq } from "drizzle-orm";
import worker from "../../workers/app";
import { buildEmailMessage, EMAIL_DEAD_LETTER_QUEUE, EMAIL_QUEUE } from "~/modules/email/email.server";
import { emailOutbox, emails } from "~drizzle/schema";
import { db } from "../helpers";

import { waitFor } from "../helpers";

export { waitFor };

let n = 0;
export const uniqueAddress = (label = "learner") => `${label}-${++n}-${crypto.randomUUID().slice(0, 8)}@example.test`;
export const uniqueKey = (label = "test") => `${label}/${crypto.randomUUID()}`;

export const receiptData = (overrides: Record<string, unknown> = {}) => ({
  name: "Ada Lovelace",
  item: "Pro plan (monthly)",
  amount: 1999,
  currency: "usd",
  paidAt: Date.UTC(2026, 2, 5, 14, 7),
  paymentId: "pay_01testpayment",
  receiptUrl: "https://coursemint.example/account/payments/pay_01testpayment",
  ...overrides,
});

export function receiptMessage(to = uniqueAddress(), idempotencyKey = uniqueKey("payment-receipt")) {
  return buildEmailMessage({ template: "payment-receipt", to, idempotencyKey, data: receiptData() as never });
}

let seq = 0;
/** Runs the real Worker `queue` handler on a hand-made batch and returns what it acked/retried. */
export async function runQueue(
  body: unknown,
  options: { queue?: string; attempts?: number; id?: string; env?: Record<string, unknown> } = {},
) {
  const id = options.id ?? `msg-${++seq}-${crypto.randomUUID().slice(0, 8)}`;
  const batch = createMessageBatch(options.queue ?? EMAIL_QUEUE, [
    { id, timestamp: new Date(), attempts: options.attempts ?? 1, body },
  ]);
  const ctx = createExecutionContext();
  await worker.queue!(batch as MessageBatch<unknown>, { ...env, ...options.env } as Env, ctx);
  return { id, result: await getQueueResult(batch, ctx) };
}

export const runDeadLetter = (body: unknown, options: { attempts?: number; id?: string; env?: Record<string, unknown> } = {}) =>
  runQueue(body, { ...options, queue: EMAIL_DEAD_LETTER_QUEUE });

export const emailByKey = (key: string) => db().select().from(emails).where(eq(emails.idempotencyKey, key)).get();
export const outboxFor = (to: string) => db().select().from(emailOutbox).where(eq(emailOutbox.toAddress, to)).all();


/**
 * Waits until every email queued before this call has been handled: a sentinel queued last is
 * delivered only after them (one consumer, FIFO batches). Use it instead of sleeping before
 * asserting that nothing more was sent.
 */
export async function drainEmails() {
  const sentinel = receiptMessage();
  await env.EMAILS.send(sentinel);
  await waitFor(async () => (await emailByKey(sentinel.idempotencyKey))?.status === "sent", 15_000);
}

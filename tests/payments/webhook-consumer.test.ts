import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { STRIPE_EVENTS_QUEUE, stripeEventOrder } from "~/modules/payments/stripe-events.server";
import { stripeEvents } from "~drizzle/schema";
import worker from "../../workers/app";
import { db, waitFor } from "../helpers";
import { signStripePayload } from "./helpers";

// The webhook path of issue 16: the acknowledgement only verifies and enqueues; the consumer stores
// each event once (kept for admin replay), deduplicates, and runs a batch in parallel by payment.
const unknownIntentEvent = (id: string, created = Math.floor(Date.now() / 1000), paymentId?: string) => ({
  id,
  object: "event",
  type: "payment_intent.succeeded",
  created,
  data: { object: { id: `pi_${id.slice(4)}`, object: "payment_intent", metadata: paymentId ? { paymentId } : {} } },
});

async function runBatch(messages: Array<{ id: string; body: unknown }>) {
  const batch = createMessageBatch(STRIPE_EVENTS_QUEUE, messages.map((m) => ({ ...m, timestamp: new Date(), attempts: 1 })));
  const ctx = createExecutionContext();
  await worker.queue!(batch as MessageBatch<unknown>, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("Stripe webhook path", () => {
  it("acknowledges a signed event without storing it; the consumer stores it once", async () => {
    const event = unknownIntentEvent("evt_ackonly1");
    const body = JSON.stringify(event);
    const res = await SELF.fetch("http://localhost/api/webhooks/stripe", {
      method: "POST",
      headers: { "Stripe-Signature": await signStripePayload(body, env.STRIPE_WEBHOOK_SECRET, Math.floor(Date.now() / 1000)) },
      body,
    });
    expect(res.status).toBe(200);
    // Stored by the consumer (the local queue delivers it), never twice, kept for replay.
    const row = await waitFor(async () => {
      const r = await db().select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).get();
      return r && r.status !== "received" ? r : undefined;
    });
    expect(row).toMatchObject({ status: "ignored", attempts: 1, type: "payment_intent.succeeded" });
  });

  it("handles an event once when its deliveries arrive together, in one batch and in parallel batches", async () => {
    const event = unknownIntentEvent("evt_together1");
    const message = (n: number) => ({ id: `m-${n}`, body: { eventId: event.id, event } });
    const [a, b, c] = await Promise.all([runBatch([message(1), message(2)]), runBatch([message(3)]), runBatch([message(4), message(5)])]);
    expect([...a.explicitAcks, ...b.explicitAcks, ...c.explicitAcks].sort()).toEqual(["m-1", "m-2", "m-3", "m-4", "m-5"]);
    const rows = await db().select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).all();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "ignored", attempts: 1 });
  });

  it("orders one payment's events by Stripe's created time and keeps other payments apart", () => {
    const later = stripeEventOrder({ eventId: "evt_b", event: unknownIntentEvent("evt_b", 200, "pay_1") });
    const earlier = stripeEventOrder({ eventId: "evt_a", event: unknownIntentEvent("evt_a", 100, "pay_1") });
    const other = stripeEventOrder({ eventId: "evt_c", event: unknownIntentEvent("evt_c", 150, "pay_2") });
    expect(later.key).toBe(earlier.key);
    expect(other.key).not.toBe(earlier.key);
    expect(earlier.created).toBeLessThan(later.created);
    // A subscription and its invoices share their customer, so they are ordered together.
    const invoice = stripeEventOrder({ eventId: "evt_i", event: { ...unknownIntentEvent("evt_i"), type: "invoice.paid", data: { object: { id: "in_1", customer: "cus_1" } } } });
    const subscription = stripeEventOrder({ eventId: "evt_s", event: { ...unknownIntentEvent("evt_s"), type: "customer.subscription.updated", data: { object: { id: "sub_1", customer: "cus_1" } } } });
    expect(invoice.key).toBe(subscription.key);
  });

  it("handles a batch of many payments in parallel, each once", async () => {
    const events = Array.from({ length: 20 }, (_, i) => unknownIntentEvent(`evt_many${String(i).padStart(3, "0")}`));
    // Each twice, the copies out of order.
    const messages = [...events, ...events.reverse()].map((event, i) => ({ id: `p-${i}`, body: { eventId: event.id, event } }));
    const result = await runBatch(messages);
    expect(result.explicitAcks).toHaveLength(40);
    const rows = await db().select().from(stripeEvents).all();
    const mine = rows.filter((r) => r.id.startsWith("evt_many"));
    expect(mine).toHaveLength(20);
    expect(mine.every((r) => r.status === "ignored" && r.attempts === 1)).toBe(true);
  });
});

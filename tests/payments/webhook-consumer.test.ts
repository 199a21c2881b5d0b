import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { D1Meter } from "~/modules/observability/d1-meter";
import { handleStripeEventBatch, recordDeadStripeEvent, stripeEventOrder } from "~/modules/payments/event-consumer.server";
import { STRIPE_EVENTS_QUEUE } from "~/modules/payments/stripe-events.server";
import { stripeEvents } from "~drizzle/schema";
import worker, { createAppContext } from "../../workers/app";
import { db, waitFor } from "../helpers";
import { signStripePayload } from "./helpers";

// The webhook path of issue 16: the acknowledgement only verifies and enqueues; the consumer stores
// each event once (kept for admin replay), deduplicates, and handles a whole batch in a constant
// number of D1 round trips, in parallel by payment.
const unknownIntentEvent = (id: string, created = Math.floor(Date.now() / 1000), paymentId?: string) => ({
  id,
  object: "event",
  type: "payment_intent.succeeded",
  created,
  data: { object: { id: `pi_${id.slice(4)}`, object: "payment_intent", metadata: paymentId ? { paymentId } : {} } },
});

/** What the queue was told (the pool's FetcherQueueResult, which the generated runtime types lack). */
type QueueResult = { explicitAcks: string[]; retryMessages: Array<{ msgId: string }> };

async function runBatch(messages: Array<{ id: string; body: unknown; attempts?: number }>): Promise<QueueResult> {
  const batch = createMessageBatch(STRIPE_EVENTS_QUEUE, messages.map((m) => ({ attempts: 1, ...m, timestamp: new Date() })));
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
    expect(res.headers.get("Set-Cookie")).toBeNull(); // Stripe keeps no cookies
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
    const runs = await Promise.all([runBatch([message(1), message(2)]), runBatch([message(3)]), runBatch([message(4), message(5)])]);
    // A copy that found the event held by another run comes back after that run's claim (never
    // acknowledged unseen: the run holding it might crash); every other copy is acknowledged.
    const acked = runs.flatMap((r) => r.explicitAcks);
    const retried = runs.flatMap((r) => r.retryMessages);
    expect([...acked, ...retried.map((r) => r.msgId)].sort()).toEqual(["m-1", "m-2", "m-3", "m-4", "m-5"]);
    const rows = await db().select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).all();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "ignored", attempts: 1, claimedUntil: null });
    // The retried copies, delivered again, find it handled: acknowledged without another run.
    if (retried.length) {
      const again = await runBatch(retried.map((r) => message(Number(r.msgId.slice(2)))));
      expect(again.explicitAcks.sort()).toEqual(retried.map((r) => r.msgId).sort());
    }
    expect(await db().select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).get()).toMatchObject({ attempts: 1 });
  });

  it("waits for a run that holds an event and takes over from one that crashed", async () => {
    const held = unknownIntentEvent("evt_heldelsewhere1");
    const crashed = unknownIntentEvent("evt_crashedrun1");
    const t = Date.now();
    const row = (e: typeof held, claimedUntil: number) => ({ id: e.id, type: e.type, stripeCreatedAt: e.created * 1000, status: "received" as const, attempts: 1, payload: e, receivedAt: t, claimedUntil });
    await db().insert(stripeEvents).values([row(held, t + 60_000), row(crashed, t - 1)]).run();
    // Straight to the service: the pool's queue result does not keep retry delays.
    const app = createAppContext(env, createExecutionContext(), "req_claims");
    const outcomes = await handleStripeEventBatch(app, [
      { id: "h-1", body: { eventId: held.id, event: held }, attempts: 2 },
      { id: "c-1", body: { eventId: crashed.id, event: crashed }, attempts: 2 },
    ]);
    expect(outcomes.get("c-1")).toEqual({ action: "ack" });
    expect(outcomes.get("h-1")).toMatchObject({ action: "retry" });
    const delay = (outcomes.get("h-1") as { delaySeconds: number }).delaySeconds;
    expect(delay).toBeGreaterThanOrEqual(59);
    expect(delay).toBeLessThanOrEqual(61);
    expect(await db().select().from(stripeEvents).where(eq(stripeEvents.id, held.id)).get()).toMatchObject({ status: "received", attempts: 1 });
    expect(await db().select().from(stripeEvents).where(eq(stripeEvents.id, crashed.id)).get()).toMatchObject({ status: "ignored", attempts: 2, claimedUntil: null });
  });

  it("dead-letters an event no run holds, and waits for one a run still holds", async () => {
    const t = Date.now();
    const row = (id: string, claimedUntil: number | null, status: "received" | "failed" | "processed") => {
      const e = unknownIntentEvent(id);
      return { id, type: e.type, stripeCreatedAt: e.created * 1000, status, attempts: 6, payload: e, receivedAt: t, claimedUntil };
    };
    await db().insert(stripeEvents).values([row("evt_deadfree1", null, "failed"), row("evt_deadheld1", t + 30_000, "received"), row("evt_deaddone1", null, "processed")]).run();
    const app = createAppContext(env, createExecutionContext(), "req_dlq");
    expect(await recordDeadStripeEvent(app, { eventId: "evt_deadfree1" })).toEqual({ action: "ack" });
    const held = await recordDeadStripeEvent(app, { eventId: "evt_deadheld1" });
    expect(held).toMatchObject({ action: "retry" });
    expect((held as { delaySeconds: number }).delaySeconds).toBeGreaterThanOrEqual(29);
    expect(await recordDeadStripeEvent(app, { eventId: "evt_deaddone1" })).toEqual({ action: "ack" });
    const status = async (id: string) => (await db().select().from(stripeEvents).where(eq(stripeEvents.id, id)).get())!.status;
    expect([await status("evt_deadfree1"), await status("evt_deadheld1"), await status("evt_deaddone1")]).toEqual(["dead", "received", "processed"]);
  });

  it("acknowledges a message that is not an event and handles the rest of its batch", async () => {
    const event = unknownIntentEvent("evt_besideinvalid1");
    const result = await runBatch([
      { id: "bad-1", body: { hello: "world" } },
      { id: "bad-2", body: "not json we know" },
      { id: "ok-1", body: { eventId: event.id, event } },
      // An id-only message for an event never stored: nothing to handle, logged, acknowledged.
      { id: "gone-1", body: { eventId: "evt_neverstored1" } },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["bad-1", "bad-2", "gone-1", "ok-1"]);
    expect(await db().select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).get()).toMatchObject({ status: "ignored", attempts: 1 });
    expect(await db().select().from(stripeEvents).where(eq(stripeEvents.id, "evt_neverstored1")).get()).toBeUndefined();
  });

  it("orders one payment's events by Stripe's created time and keeps other payments apart", () => {
    const stored = (event: ReturnType<typeof unknownIntentEvent>) => ({ id: event.id, payload: event, stripeCreatedAt: event.created * 1000 });
    const later = stripeEventOrder(stored(unknownIntentEvent("evt_b", 200, "pay_1")));
    const earlier = stripeEventOrder(stored(unknownIntentEvent("evt_a", 100, "pay_1")));
    const other = stripeEventOrder(stored(unknownIntentEvent("evt_c", 150, "pay_2")));
    expect(later.key).toBe(earlier.key);
    expect(other.key).not.toBe(earlier.key);
    expect(earlier.created).toBeLessThan(later.created);
    // A subscription and its invoices share their customer, so they are ordered together.
    const invoice = stripeEventOrder(stored({ ...unknownIntentEvent("evt_i"), type: "invoice.paid", data: { object: { id: "in_1", customer: "cus_1" } } } as never));
    const subscription = stripeEventOrder(stored({ ...unknownIntentEvent("evt_s"), type: "customer.subscription.updated", data: { object: { id: "sub_1", customer: "cus_1" } } } as never));
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

  it("handles a batch in two D1 round trips whatever its size", async () => {
    for (const size of [4, 60]) {
      const events = Array.from({ length: size }, (_, i) => unknownIntentEvent(`evt_trips${size}x${String(i).padStart(3, "0")}`));
      const meter = new D1Meter(env.DB);
      const app = createAppContext(env, createExecutionContext(), "req_consumer", "", meter);
      const outcomes = await handleStripeEventBatch(app, [...events, ...events].map((event, i) => ({ id: `t-${i}`, body: { eventId: event.id, event }, attempts: 1 })));
      expect([...outcomes.values()].every((o) => o.action === "ack")).toBe(true);
      expect(outcomes.size).toBe(size * 2);
      // Store + claim + find payments, then settle: no round trip per event.
      expect({ size, queries: meter.queries, sequential: meter.sequential }).toEqual({ size, queries: 2, sequential: 2 });
    }
  });
});

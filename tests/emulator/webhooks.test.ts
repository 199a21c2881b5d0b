// Webhooks signed like Stripe's, verified by the SDK; retries, resends, duplicates and ordering.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { stripeSignature } from "../../workers/stripe-emulator/signature";
import { emulatedStripe, WEBHOOK_SECRET } from "./helpers";

const verifier = new Stripe("sk_test_verifier", { httpClient: Stripe.createFetchHttpClient() });
const crypto = Stripe.createSubtleCryptoProvider();
const verify = (body: string, header: string, tolerance?: number) =>
  verifier.webhooks.constructEventAsync(body, header, WEBHOOK_SECRET, tolerance, crypto);

describe("webhook events", () => {
  it("emits Stripe-shaped events with a Stripe-Signature that constructEventAsync accepts", async () => {
    const { stripe, control } = emulatedStripe();
    const pi = await stripe.paymentIntents.create({ amount: 1200, currency: "usd", payment_method: "pm_card_visa", confirm: true, metadata: { paymentId: "pay_9" } }, { idempotencyKey: "pay_9" });
    const pending = await control.pending();
    expect(pending.map((d) => d.type)).toEqual(["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"]);
    const delivery = pending.at(-1)!;
    expect(delivery.headers["Stripe-Signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    const event = await verify(delivery.body, delivery.headers["Stripe-Signature"]!);
    expect(event).toMatchObject({ object: "event", type: "payment_intent.succeeded", livemode: false, request: { idempotency_key: "pay_9" } });
    expect(event.id).toMatch(/^evt_/);
    expect(event.data.object).toMatchObject({ id: pi.id, object: "payment_intent", status: "succeeded", metadata: { paymentId: "pay_9" } });
    // The same events are listed by the API.
    expect((await stripe.events.list({ type: "payment_intent.succeeded" })).data.map((e) => e.id)).toEqual([event.id]);
    expect((await stripe.events.retrieve(event.id)).type).toBe("payment_intent.succeeded");
  });

  it("rejects a tampered body and an old timestamp", async () => {
    const { stripe, control } = emulatedStripe();
    await stripe.customers.create({ email: "t@example.test" });
    const [delivery] = await control.pending();
    const header = delivery!.headers["Stripe-Signature"]!;
    const tampered = delivery!.body.replace("t@example.test", "evil@example.test");
    await expect(verify(tampered, header)).rejects.toBeInstanceOf(Stripe.errors.StripeSignatureVerificationError);

    const old = await stripeSignature(WEBHOOK_SECRET, delivery!.body, Math.floor(Date.now() / 1000) - 600);
    await expect(verify(delivery!.body, old, 300)).rejects.toThrow(/Timestamp outside the tolerance zone/);
    await expect(verify(delivery!.body, header.replace(/v1=\w+/, "v1=" + "0".repeat(64)))).rejects.toBeInstanceOf(Stripe.errors.StripeSignatureVerificationError);
    await expect(verify(delivery!.body, header)).resolves.toMatchObject({ type: "customer.created" });
  });

  it("emits the events of every state change", async () => {
    const { stripe, control } = emulatedStripe();
    await stripeError(stripe.paymentIntents.create({ amount: 900, currency: "usd", payment_method: "pm_card_chargeDeclined", confirm: true }));
    const pi = await stripe.paymentIntents.create({ amount: 900, currency: "usd", payment_method: "pm_card_visa", confirm: true });
    await stripe.refunds.create({ payment_intent: pi.id, amount: 100 });
    const types = (await control.events()).map((e) => e.type);
    for (const type of ["payment_intent.payment_failed", "charge.failed", "payment_intent.succeeded", "charge.refunded", "refund.created"]) expect(types).toContain(type);
    const refunded = (await control.events("charge.refunded"))[0]!;
    expect(refunded.data.object.amount_refunded).toBe(100);
    expect(refunded.data.previous_attributes).toEqual({ amount_refunded: 0 });
  });
});

async function stripeError(p: Promise<unknown>) {
  return p.then(
    () => null,
    (e) => e,
  );
}

describe("webhook delivery", () => {
  it("retries non-2xx answers with exponential backoff until delivered", async () => {
    const { stripe, control } = emulatedStripe();
    await control.configure({ retry_base_ms: 60_000 });
    await stripe.customers.create({});
    let calls = 0;
    const first = await control.deliverWebhooks(async () => new Response("boom", { status: ++calls === 1 ? 500 : 200 }));
    expect(first.map((d) => d.status)).toEqual([500]);
    expect(await control.pending()).toEqual([]); // waiting for its backoff
    const [waiting] = await control.pending(true);
    expect(waiting!.attempt).toBe(2);
    const second = await control.deliverWebhooks(async () => new Response("ok"));
    expect(second.map((d) => [d.event_id, d.status])).toEqual([[first[0]!.event_id, 200]]);
    const [event] = await control.events("customer.created");
    expect(event!.deliveries[0]).toMatchObject({ status: "delivered", attempts: 2, last_status: 200 });
  });

  it("gives up after max_attempts, and resends an event on request", async () => {
    const { stripe, control } = emulatedStripe();
    await control.configure({ max_attempts: 2, retry_base_ms: 0 });
    await stripe.customers.create({});
    await control.deliverWebhooks(async () => new Response(null, { status: 503 }));
    await control.deliverWebhooks(async () => { throw new Error("connection refused"); });
    const [event] = await control.events();
    expect(event!.deliveries[0]).toMatchObject({ status: "failed", attempts: 2, last_error: "Error: connection refused" });
    expect(await control.pending(true)).toEqual([]);
    await control.resend(event!.id, 2);
    const resent = await control.deliverWebhooks(async () => new Response("ok"));
    expect(resent.map((d) => d.event_id)).toEqual([event!.id, event!.id]);
  });

  it("duplicates deliveries and delivers out of order on request", async () => {
    const { stripe, control } = emulatedStripe();
    await control.configure({ duplicates: 2 });
    await stripe.customers.create({ email: "dup@example.test" });
    const dup = await control.pending();
    expect(dup).toHaveLength(2);
    expect(dup[0]!.event_id).toBe(dup[1]!.event_id);
    expect(dup[0]!.id).not.toBe(dup[1]!.id);
    await control.deliverWebhooks(async () => new Response("ok"));

    await control.configure({ duplicates: 1, order: "reverse" });
    const pi = await stripe.paymentIntents.create({ amount: 700, currency: "usd", payment_method: "pm_card_visa", confirm: true });
    const reversed = await control.deliverWebhooks(async () => new Response("ok"));
    expect(reversed.map((d) => d.type)).toEqual(["payment_intent.succeeded", "charge.succeeded", "payment_intent.created"]);
    expect(JSON.parse(reversed[0]!.body).data.object.id).toBe(pi.id);
  });

  it("in push mode POSTs to the configured URL and records failures for retry", async () => {
    const { stripe, control } = emulatedStripe();
    await control.configure({ mode: "push", paused: true, url: "http://127.0.0.1:9/webhooks" });
    await stripe.customers.create({});
    const results = await control.flush();
    expect(results).toHaveLength(1);
    expect(results[0]!.status).toBeNull();
    expect(results[0]!.error).toBeTruthy();
    const [event] = await control.events();
    expect(event!.deliveries[0]).toMatchObject({ status: "pending", attempts: 1 });
  });
});

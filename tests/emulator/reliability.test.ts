// Idempotency keys as Stripe implements them, and faults injected on request.
import Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { emulatedStripe, stripeError } from "./helpers";

describe("Idempotency-Key", () => {
  it("replays the first response for the same key and body", async () => {
    const { stripe } = emulatedStripe();
    const params = { amount: 3000, currency: "usd", payment_method: "pm_card_visa", confirm: true, metadata: { paymentId: "pay_1" } };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: "pay_1" });
    const again = await stripe.paymentIntents.create(params, { idempotencyKey: "pay_1" });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse).toMatchObject({ statusCode: 200, idempotencyKey: "pay_1" });
    expect((await stripe.paymentIntents.list()).data).toHaveLength(1);
    expect((await stripe.charges.list()).data).toHaveLength(1);
  });

  it("replays errors too (a decline stays a decline)", async () => {
    const { stripe } = emulatedStripe();
    const params = { amount: 3000, currency: "usd", payment_method: "pm_card_chargeDeclined", confirm: true };
    const first = await stripeError(stripe.paymentIntents.create(params, { idempotencyKey: "k-decline" }));
    const again = await stripeError(stripe.paymentIntents.create(params, { idempotencyKey: "k-decline" }));
    expect(again).toMatchObject({ statusCode: 402, code: "card_declined" });
    expect(again.payment_intent!.id).toBe(first.payment_intent!.id);
  });

  it("rejects the same key with different parameters", async () => {
    const { stripe } = emulatedStripe();
    await stripe.refunds.create({ payment_intent: (await stripe.paymentIntents.create({ amount: 900, currency: "usd", payment_method: "pm_card_visa", confirm: true })).id, amount: 100 }, { idempotencyKey: "ref_1" });
    const error = await stripeError(stripe.customers.create({ email: "other@example.test" }, { idempotencyKey: "ref_1" }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain("Keys for idempotent requests can only be used with the same parameters");
  });
});

describe("faults on request", () => {
  const { stripe, control } = emulatedStripe();
  afterEach(() => control.clearFaults());

  it("fails the next N calls with 500, then recovers", async () => {
    await control.fault({ type: "500", count: 2 });
    expect(await stripeError(stripe.customers.create({}))).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(await stripeError(stripe.customers.list())).toMatchObject({ statusCode: 500 });
    expect((await stripe.customers.create({})).object).toBe("customer");
  });

  it("answers 429 rate_limit", async () => {
    await control.fault({ type: "429", count: 1, path: "/v1/payment_intents" });
    expect((await stripe.customers.list()).object).toBe("list"); // other paths are unaffected
    const error = await stripeError(stripe.paymentIntents.create({ amount: 1000, currency: "usd" }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, code: "rate_limit" });
  });

  it("simulates a network error", async () => {
    await control.fault({ type: "network", count: 1 });
    const error = await stripeError(stripe.customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
  });

  it("simulates a timeout that the SDK gives up on", async () => {
    await control.fault({ type: "timeout", count: 1, delay_ms: 1500 });
    const impatient = new Stripe(control.apiKey, { httpClient: (stripe as any)._api.httpClient, timeout: 200, maxNetworkRetries: 0 });
    const error = await stripeError(impatient.customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(error.message).toMatch(/timeout|timed out/i);
  });

  it("lets the SDK's own retries (same idempotency key) get through a transient 500 exactly once", async () => {
    const retrying = new Stripe(control.apiKey, { httpClient: (stripe as any)._api.httpClient, maxNetworkRetries: 2 });
    const before = (await stripe.paymentIntents.list()).data.length;
    await control.fault({ type: "500", count: 1, path: "/v1/payment_intents" });
    const pi = await retrying.paymentIntents.create({ amount: 1000, currency: "usd", payment_method: "pm_card_visa", confirm: true });
    expect(pi.status).toBe("succeeded");
    expect((await stripe.paymentIntents.list()).data.length).toBe(before + 1);
    expect((await control.call("/faults")).data).toEqual([]);
  });
});

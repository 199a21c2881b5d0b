import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetClock } from "~/utils/clock";
import { payments, subscriptionStarts } from "~drizzle/schema";
import { db, jsonBody } from "../helpers";
import { clockedLearner, emulator, invoicesOf, put, rowFor, stripe, subscribe, syncWebhooks, type Learner } from "./helpers";

// A subscription start or a plan change whose Stripe call ended without an answer (a 5xx after the
// SDK's retries, or the `after` fault: Stripe did it and the answer was lost) is retried at once,
// in parallel: each retry re-sends the identical request under the same key and resolves to the one
// subscription and the one charge.

const cases = [
  ["failed before doing it", false],
  ["did it but the answer was lost", true],
] as const;

const create = (learner: Learner, body: Record<string, unknown>, key?: string) =>
  learner.browser.json("/api/subscriptions/create", jsonBody(body, key ? { headers: { "Idempotency-Key": key } } : {}));
const stripeSubscriptions = async (learner: Learner) => (await stripe().subscriptions.list({ customer: learner.customer.id, status: "all", limit: 100 })).data;
const startsOf = (userId: string) => db().select().from(subscriptionStarts).where(eq(subscriptionStarts.userId, userId)).all();

beforeEach(async () => {
  await emulator().clearFaults();
  await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
});
afterEach(async () => {
  await emulator().clearFaults();
  resetClock();
});

describe("a subscription start whose outcome is unknown", () => {
  it.each(cases)("with a card, Stripe %s: parallel retries end in one subscription, charged once", async (_, after) => {
    const learner = await clockedLearner();
    const body = { tier: "pro", interval: "month", flow: "payment_method", paymentMethod: "pm_card_visa" };
    await emulator().fault({ type: "500", count: 3, path: "/v1/subscriptions", method: "POST", after });
    const first = await create(learner, body, "start-1");
    expect(first.status).toBe(503);
    expect(await startsOf(learner.user.id)).toMatchObject([{ status: "open", stripePaymentMethodId: "pm_card_visa" }]);
    await emulator().clearFaults();

    const retries = await Promise.all([create(learner, body, "start-1"), create(learner, body, "start-2"), create(learner, body), create(learner, body)]);
    for (const r of retries) {
      if (r.status === 409) expect(r.body.error.code).toBe("conflict");
      else expect(r).toMatchObject({ status: 201, body: { status: "active", subscription: { tier: "pro", interval: "month", status: "active" } } });
    }
    const ok = retries.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThan(0);
    expect(new Set(ok.map((r) => r.body.subscription.subscriptionId)).size).toBe(1);

    expect(await stripeSubscriptions(learner)).toHaveLength(1);
    expect((await invoicesOf(learner.customer.id)).filter((i) => i.amount_paid > 0)).toHaveLength(1);
    await syncWebhooks();
    expect(await rowFor(learner.user.id)).toMatchObject([{ tier: "pro", status: "active" }]);
    expect((await startsOf(learner.user.id)).map((s) => s.status)).toEqual(["completed"]);
    const paid = await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all();
    expect(paid.map((p) => p.amount)).toEqual([1500]);
  });

  it.each(cases)("through Checkout, Stripe %s: parallel retries share one Checkout Session, paid into one subscription", async (_, after) => {
    const learner = await clockedLearner();
    const body = { tier: "pro", interval: "year", successPath: "/account/billing?checkout=success&from=test" };
    await emulator().fault({ type: "500", count: 3, path: "/v1/checkout/sessions", method: "POST", after });
    const first = await create(learner, body, "checkout-1");
    expect(first.status).toBe(503);
    await emulator().clearFaults();

    const retries = await Promise.all([create(learner, body, "checkout-1"), create(learner, body, "checkout-2"), create(learner, body), create(learner, { ...body, successPath: "/account/billing" })]);
    for (const r of retries) {
      if (r.status === 409) expect(r.body.error.code).toBe("conflict");
      else expect(r).toMatchObject({ status: 201, body: { status: "requires_action", nextAction: { type: "redirect_to_checkout" } } });
    }
    const urls = new Set(retries.filter((r) => r.status === 201).map((r) => r.body.nextAction.url));
    expect(urls.size).toBe(1);
    const sessions = (await stripe().checkout.sessions.list({ customer: learner.customer.id, limit: 100 })).data;
    expect(sessions).toHaveLength(1);
    // The first request's return path is what Stripe was (and is again) asked for.
    expect(sessions[0]!.success_url).toContain("from=test");
    const [start] = await startsOf(learner.user.id);
    expect(start).toMatchObject({ status: "open", stripeCheckoutSessionId: sessions[0]!.id });

    expect((await emulator().completeCheckout([...urls][0]!)).status).toBe(303);
    await syncWebhooks();
    expect(await stripeSubscriptions(learner)).toHaveLength(1);
    expect(await rowFor(learner.user.id)).toMatchObject([{ tier: "pro", interval: "year", status: "active" }]);
  });
});

describe("a plan change whose outcome is unknown", () => {
  it.each(cases)("Stripe %s: parallel retries apply the confirmed change once, at the previewed price", async (_, after) => {
    const learner = await clockedLearner();
    expect((await subscribe(learner, "pro")).status).toBe(201);
    const [row] = await rowFor(learner.user.id);
    await learner.advance(10);
    const preview = (await learner.browser.json("/api/subscriptions/update", put({ tier: "enterprise", interval: "month", preview: true }))).body.preview;
    await emulator().fault({ type: "500", count: 3, path: `/v1/subscriptions/${row!.stripeSubscriptionId}`, method: "POST", after });
    const first = await learner.browser.json("/api/subscriptions/update", put({ tier: "enterprise", interval: "month", prorationDate: preview.prorationDate }));
    expect(first.status).toBe(503);
    await emulator().clearFaults();
    // A day later the learner tries again, without the preview: the confirmed change is what is sent.
    await learner.advance(1);

    const change = { tier: "enterprise", interval: "month" };
    const retries = await Promise.all([
      learner.browser.json("/api/subscriptions/update", put(change)),
      learner.browser.json("/api/subscriptions/update", put(change)),
      learner.browser.json("/api/subscriptions/update", put({ ...change, prorationDate: preview.prorationDate })),
    ]);
    for (const r of retries) {
      if (r.status === 409) expect(r.body.error.code).toBe("conflict");
      else expect(r).toMatchObject({ status: 200, body: { applied: true, charged: { amount: preview.amountDue }, subscription: { tier: "enterprise" } } });
    }
    const ok = retries.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThan(0);
    expect(new Set(ok.map((r) => r.body.charged.invoiceId)).size).toBe(1);

    const updates = (await invoicesOf(learner.customer.id)).filter((i) => i.billing_reason === "subscription_update");
    expect(updates.map((i) => i.amount_paid)).toEqual([preview.amountDue]);
    await syncWebhooks();
    expect(await rowFor(learner.user.id)).toMatchObject([{ tier: "enterprise", changeRequest: null }]);
    const paid = await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all();
    expect(paid.map((p) => p.amount).sort((a, b) => a - b)).toEqual([1500, preview.amountDue].sort((a, b) => a - b));
  });
});

import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { enrollments, payments } from "~drizzle/schema";
import { db, jsonBody, signedInAs } from "../helpers";
import { stripe, syncWebhooks } from "../subscriptions/helpers";
import { emulator, insertCourse, paymentRow, waitForPayment } from "./helpers";

// A purchase whose Stripe call ended without an answer (a 5xx after the SDK's retries, or the
// answer lost after Stripe did the work: the emulator's `after` fault) is retried at once, in
// parallel: every retry re-sends the identical Stripe request under the same key and resolves to
// the one payment.

type Learner = Awaited<ReturnType<typeof signedInAs>>;
const buy = (learner: Learner, body: Record<string, unknown>, key?: string) =>
  learner.browser.json("/api/payments/process", jsonBody(body, key ? { headers: { "Idempotency-Key": key } } : {}));
const paymentsOf = (userId: string) => db().select().from(payments).where(eq(payments.userId, userId)).all();

afterEach(() => emulator().clearFaults());

describe("a card purchase whose outcome is unknown", () => {
  it.each([
    ["failed before doing it", false],
    ["did it but the answer was lost", true],
  ])("Stripe %s: parallel retries, with the same key or another, end in one payment and one charge", async (_, after) => {
    const { course } = await insertCourse({ priceAmount: 2100 });
    const learner = await signedInAs("student");
    const body = { purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" };
    await emulator().fault({ type: "500", count: 3, path: "/v1/payment_intents", after });
    const first = await buy(learner, body, "click-1");
    expect(first.status).toBe(503);
    const paymentId = first.body.error.details.paymentId as string;
    expect(await paymentRow(paymentId)).toMatchObject({ status: "requires_action", stripePaymentIntentId: null });

    await emulator().clearFaults();
    const retries = await Promise.all([buy(learner, body, "click-1"), buy(learner, body, "click-2"), buy(learner, body), buy(learner, body)]);
    for (const r of retries) {
      if (r.status === 409) expect(r.body.error.details.paymentId).toBe(paymentId);
      else expect(r).toMatchObject({ status: 201, body: { paymentId, status: "processing" } });
    }
    expect(retries.filter((r) => r.status === 201).length).toBeGreaterThan(0);

    const intents = (await emulator().events("payment_intent.created")).filter((e) => e.data.object.metadata.paymentId === paymentId);
    expect(intents).toHaveLength(1);
    expect((await stripe().charges.list({ payment_intent: intents[0]!.data.object.id })).data).toHaveLength(1);
    await syncWebhooks();
    const paid = await waitForPayment(paymentId, "succeeded");
    expect(paid.stripePaymentIntentId).toBe(intents[0]!.data.object.id);
    expect(await paymentsOf(learner.user.id)).toHaveLength(1);
    const enrolled = await db().select().from(enrollments).where(and(eq(enrollments.courseId, course.id), eq(enrollments.userId, learner.user.id))).all();
    expect(enrolled).toHaveLength(1);
  });

  it("after the bound, the cron finds the PaymentIntent whose answer was lost instead of canceling the payment", async () => {
    const { course } = await insertCourse({ priceAmount: 2200 });
    const learner = await signedInAs("student");
    await emulator().configure({ paused: true }); // no webhook settles it first
    await emulator().fault({ type: "500", count: 3, path: "/v1/payment_intents", method: "POST", after: true });
    const first = await buy(learner, { purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" });
    expect(first.status).toBe(503);
    await emulator().clearFaults();
    const { createExecutionContext } = await import("cloudflare:test");
    const { createAppContext } = await import("../../workers/app");
    const { settleStalePayments, STALE_PAYMENT_MS } = await import("~/modules/payments/reconcile.server");
    const { resetClock, setClock } = await import("~/utils/clock");
    setClock(() => Date.now() + STALE_PAYMENT_MS + 1000);
    try {
      await settleStalePayments(createAppContext(env, createExecutionContext(), "req_test_lost_intent"));
    } finally {
      resetClock();
      await emulator().configure({ paused: false });
    }
    const row = await paymentRow(first.body.error.details.paymentId);
    expect(row).toMatchObject({ status: "succeeded" });
    expect(row!.stripePaymentIntentId).toMatch(/^pi_/);
  });
});

describe("a Checkout purchase whose outcome is unknown", () => {
  it.each([
    ["failed before doing it", false],
    ["did it but the answer was lost", true],
  ])("Stripe %s: parallel retries share one payment and one Checkout Session", async (_, after) => {
    const { course } = await insertCourse({ priceAmount: 1700 });
    const learner = await signedInAs("student");
    await emulator().fault({ type: "500", count: 3, path: "/v1/checkout/sessions", after });
    const first = await buy(learner, { purpose: "course_purchase", courseId: course.id }, "tab-1");
    expect(first.status).toBe(503);
    const paymentId = first.body.error.details.paymentId as string;
    await emulator().clearFaults();
    // One retry meets Stripe still working on another (its key held for 4 s): Stripe's 409 is not a
    // refusal, so the payment is not canceled under the session Stripe is making.
    await emulator().fault({ type: "slow", count: 1, path: "/v1/checkout/sessions", delay_ms: 4000 });
    const retries = await Promise.all(["tab-1", "tab-2", "tab-3", undefined].map((key) => buy(learner, { purpose: "course_purchase", courseId: course.id }, key)));
    for (const r of retries) {
      if (r.status === 409) expect(r.body.error).toMatchObject({ code: "conflict", details: { paymentId } });
      else expect(r).toMatchObject({ status: 201, body: { paymentId, nextAction: { type: "redirect_to_checkout" } } });
    }
    const row = await paymentRow(paymentId);
    expect(row).toMatchObject({ status: "requires_action" });
    expect(row!.checkoutUrl).toMatch(/^http/);
    const sessions = (await stripe().checkout.sessions.list({ limit: 100 })).data.filter((cs) => cs.metadata?.paymentId === paymentId);
    expect(sessions).toHaveLength(1);
    expect(await paymentsOf(learner.user.id)).toHaveLength(1);
    // The learner pays it: one charge, one enrollment.
    expect((await emulator().completeCheckout(row!.checkoutUrl!)).status).toBe(303);
    await syncWebhooks();
    await waitForPayment(paymentId, "succeeded");
    const enrolled = await db().select().from(enrollments).where(and(eq(enrollments.courseId, course.id), eq(enrollments.userId, learner.user.id))).all();
    expect(enrolled).toHaveLength(1);
  });
});

import { createExecutionContext, env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { checkRefund, settlePendingRefunds } from "~/modules/payments/refunds.server";
import { UNKNOWN_OUTCOME_POLICY } from "~/modules/payments/unknown-outcomes";
import { resetClock, setClock } from "~/utils/clock";
import { auditLog, enrollments, refunds } from "~drizzle/schema";
import { createAppContext } from "../../workers/app";
import { db, jsonBody, signedInAs, waitFor } from "../helpers";
import { stripe, syncWebhooks } from "../subscriptions/helpers";
import { emulator, insertCourse, paymentRow, waitForPayment } from "./helpers";

// A refund whose Stripe call ended without an answer stays pending (reserved). A retry re-sends it
// under the same key (`refund-<our id>`); the cron asks Stripe and settles it, or gives it up after
// UNKNOWN_OUTCOME_POLICY.giveUpAfterMs when Stripe never made it.

type Admin = Awaited<ReturnType<typeof signedInAs>>;
const refund = (admin: Admin, body: Record<string, unknown>, key?: string) =>
  admin.browser.json("/api/payments/refund", jsonBody(body, key ? { headers: { "Idempotency-Key": key } } : {}));
const refundsOf = (paymentId: string) => db().select().from(refunds).where(eq(refunds.paymentId, paymentId)).all();
const stripeRefunds = async (paymentIntentId: string) => (await stripe().refunds.list({ payment_intent: paymentIntentId, limit: 100 })).data;
const appContext = (requestId: string) => createAppContext(env, createExecutionContext(), requestId);

async function cronAt(offsetMs: number) {
  setClock(() => Date.now() + offsetMs);
  try {
    await settlePendingRefunds(appContext("req_test_settle_refunds"));
  } finally {
    resetClock();
  }
}

/** A paid, fulfilled card purchase. */
async function paidPurchase(amount: number) {
  const { course } = await insertCourse({ priceAmount: amount });
  const learner = await signedInAs("student");
  const res = await learner.browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" }));
  expect(res.status).toBe(201);
  await syncWebhooks();
  const payment = await waitForPayment(res.body.paymentId, "succeeded");
  await waitFor(async () => (await paymentRow(payment.id))?.fulfilledAt);
  return { payment: payment as typeof payment & { stripePaymentIntentId: string }, admin: await signedInAs("admin") };
}

/** The first refund request, answered 503 by a fault; returns our refund id. */
async function lostRefund(admin: Admin, paymentId: string, after: boolean) {
  await emulator().configure({ paused: true }); // no charge.refunded webhook settles it behind our back
  await emulator().fault({ type: "500", count: 3, path: "/v1/refunds", method: "POST", after });
  const first = await refund(admin, { paymentId, reason: "Customer asked" }, "refund-click-1");
  expect(first.status).toBe(503);
  await emulator().clearFaults();
  return first.body.error.details.refundId as string;
}

afterEach(async () => {
  await emulator().clearFaults();
  await emulator().configure({ paused: false });
});

describe("a refund whose outcome is unknown", () => {
  it.each([
    ["failed before doing it", false],
    ["did it but the answer was lost", true],
  ])("Stripe %s: parallel retries end in one refund at Stripe and in D1", async (_, after) => {
    const { payment, admin } = await paidPurchase(2000);
    const refundId = await lostRefund(admin, payment.id, after);
    expect(await refundsOf(payment.id)).toMatchObject([{ id: refundId, status: "pending", amount: 2000, stripeRefundId: null }]);

    const body = { paymentId: payment.id, reason: "Customer asked" };
    const retries = await Promise.all([refund(admin, body, "refund-click-1"), refund(admin, body, "refund-click-2"), refund(admin, body), refund(admin, body)]);
    for (const r of retries) {
      if (r.status === 409) expect(r.body.error.code).toBe("conflict");
      else expect(r).toMatchObject({ status: 200, body: { refund: { id: refundId, status: "succeeded", amount: 2000 }, payment: { status: "refunded", amountRefundable: 0 } } });
    }
    expect(retries.filter((r) => r.status === 200).length).toBeGreaterThan(0);

    const atStripe = await stripeRefunds(payment.stripePaymentIntentId);
    expect(atStripe.map((r) => [r.amount, r.metadata?.refundId])).toEqual([[2000, refundId]]);
    const rows = await refundsOf(payment.id);
    expect(rows).toMatchObject([{ id: refundId, status: "succeeded", stripeRefundId: atStripe[0]!.id }]);
    expect(await paymentRow(payment.id)).toMatchObject({ status: "refunded", amountRefunded: 2000, amountRefundPending: 0 });
    await waitFor(async () => (await db().select().from(refunds).where(eq(refunds.id, refundId)).get())?.reversedAt);
    expect((await db().select().from(enrollments).where(eq(enrollments.paymentId, payment.id)).get())?.status).toBe("revoked");
    // Now, and only now, it is fully refunded.
    const again = await refund(admin, { paymentId: payment.id, reason: "Once more" });
    expect(again).toMatchObject({ status: 409, body: { error: { message: "This payment has already been fully refunded." } } });
  });

  it("while Stripe still has not answered, nothing says the payment is fully refunded", async () => {
    const { payment, admin } = await paidPurchase(1800);
    const refundId = await lostRefund(admin, payment.id, false);
    await emulator().fault({ type: "500", count: 3, path: "/v1/refunds", method: "POST" });
    const retry = await refund(admin, { paymentId: payment.id, reason: "Customer asked" });
    expect(retry).toMatchObject({ status: 503, body: { error: { code: "upstream_unavailable", details: { refundId } } } });
    await emulator().clearFaults();
    // The confirmation step of the admin page (checkRefund) says a refund is in progress.
    await expect(checkRefund(appContext("req_test_check_refund"), { paymentId: payment.id, reason: "Another" })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("in progress"),
    });
    const api = await admin.browser.json(`/api/payments/${payment.id}`);
    expect(api).toMatchObject({ status: 200, body: { payment: { status: "succeeded", amountRefunded: 0 } } });
    expect(await stripeRefunds(payment.stripePaymentIntentId)).toHaveLength(0);
  });
});

describe("the cron settles pending refunds", () => {
  it("one Stripe made (its answer lost) is recorded from Stripe's list, matched by our refund id", async () => {
    const { payment } = await paidPurchase(1500).then(async (p) => ({ ...p, refundId: await lostRefund(p.admin, p.payment.id, true) }));
    const [pending] = await refundsOf(payment.id);
    // Too young: its own request may still be running.
    await cronAt(0);
    expect((await refundsOf(payment.id))[0]!.status).toBe("pending");
    await cronAt(UNKNOWN_OUTCOME_POLICY.settleAfterMs + 1000);
    const atStripe = await stripeRefunds(payment.stripePaymentIntentId);
    expect(atStripe).toHaveLength(1);
    expect(await refundsOf(payment.id)).toMatchObject([{ id: pending!.id, status: "succeeded", stripeRefundId: atStripe[0]!.id }]);
    expect(await paymentRow(payment.id)).toMatchObject({ status: "refunded", amountRefunded: 1500, amountRefundPending: 0 });
    await waitFor(async () => (await db().select().from(refunds).where(eq(refunds.id, pending!.id)).get())?.reversedAt);
  });

  it("one Stripe never made is sent again before the bound", async () => {
    const { payment, admin } = await paidPurchase(1600);
    const refundId = await lostRefund(admin, payment.id, false);
    expect(await stripeRefunds(payment.stripePaymentIntentId)).toHaveLength(0);
    await cronAt(UNKNOWN_OUTCOME_POLICY.settleAfterMs + 1000);
    const atStripe = await stripeRefunds(payment.stripePaymentIntentId);
    expect(atStripe.map((r) => r.metadata?.refundId)).toEqual([refundId]);
    expect(await refundsOf(payment.id)).toMatchObject([{ id: refundId, status: "succeeded" }]);
  });

  it("one Stripe never made is marked failed after the bound, and its amount is refundable again", async () => {
    const { payment, admin } = await paidPurchase(1900);
    const refundId = await lostRefund(admin, payment.id, false);
    await cronAt(UNKNOWN_OUTCOME_POLICY.giveUpAfterMs + 1000);
    expect(await stripeRefunds(payment.stripePaymentIntentId)).toHaveLength(0);
    const [failed] = await refundsOf(payment.id);
    expect(failed).toMatchObject({ id: refundId, status: "failed" });
    expect(failed!.failureMessage).toContain("never received");
    expect(await paymentRow(payment.id)).toMatchObject({ status: "succeeded", amountRefunded: 0, amountRefundPending: 0 });
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.action, "payment.refund_failed"), eq(auditLog.targetId, payment.id))).all();
    expect(audit).toHaveLength(1);
    // A second cron run changes nothing more.
    await cronAt(UNKNOWN_OUTCOME_POLICY.giveUpAfterMs + 2000);
    expect(await db().select().from(auditLog).where(and(eq(auditLog.action, "payment.refund_failed"), eq(auditLog.targetId, payment.id))).all()).toHaveLength(1);
    // The whole amount can be refunded again, once.
    const again = await refund(admin, { paymentId: payment.id, reason: "Refund it after all" });
    expect(again).toMatchObject({ status: 200, body: { refund: { status: "succeeded", amount: 1900 }, payment: { status: "refunded" } } });
    expect((await stripeRefunds(payment.stripePaymentIntentId)).map((r) => r.amount)).toEqual([1900]);
  });
});

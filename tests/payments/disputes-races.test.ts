import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { reconcilePayment } from "~/modules/payments/reconcile.server";
import { createStripe } from "~/modules/payments/stripe.server";
import { createId } from "~/utils/ids";
import { disputes, enrollments, instructorEarnings, refunds } from "~drizzle/schema";
import type { DisputeEffectStage } from "~drizzle/schema/enums";
import { createAppContext } from "../../workers/app";
import { db, jsonBody, signedInAs, waitFor } from "../helpers";
import { deliverWebhooks, emulator, insertCourse, paymentRow, waitForHandled } from "./helpers";

// A refund and a chargeback of the same charge, as Stripe rules it: whichever reaches Stripe first
// wins (a disputed charge cannot be refunded: `charge_disputed`; a refunded charge can still be
// disputed, and the dispute then takes only what the refund left). Here the refund races the bank
// for real: the delivery pull that opens the dispute and the refund request run at once.

const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));
const disputeOf = (paymentId: string) => db().select().from(disputes).where(eq(disputes.paymentId, paymentId)).get();
const entriesOf = (paymentId: string) => db().select().from(instructorEarnings).where(eq(instructorEarnings.paymentId, paymentId)).all();
const net = (rows: Array<{ grossAmount: number; instructorAmount: number; platformAmount: number }>) =>
  rows.reduce((a, e) => ({ gross: a.gross + e.grossAmount, instructor: a.instructor + e.instructorAmount, platform: a.platform + e.platformAmount }), { gross: 0, instructor: 0, platform: 0 });
const waitForEffects = (paymentId: string, effects: DisputeEffectStage) =>
  waitFor(async () => {
    const row = await disputeOf(paymentId);
    return row?.effects === effects && row.effectsClaimedUntil === null ? row : undefined;
  }, 20_000);
const settle = async () => {
  for (let i = 0; i < 3; i++) await waitForHandled(await deliverWebhooks());
};

/** A paid, fulfilled course purchase with the dispute card whose dispute the bank has not opened yet (no delivery pulled). */
async function disputablePurchase() {
  const { course } = await insertCourse();
  const learner = await signedInAs("student");
  const res = await learner.browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_createDispute" }));
  expect(res.status).toBe(201);
  const paymentId = res.body.paymentId as string;
  await reconcilePayment(app(), paymentId);
  expect((await paymentRow(paymentId))!.fulfilledAt).not.toBeNull();
  return { learner, paymentId, amount: (await paymentRow(paymentId))!.amount };
}

/** After the race: exactly one of the two took the money, and Stripe, D1 and the ledger agree. Then the bank decides; a win gives back only what was not refunded. */
async function checkOneWinner(paymentId: string, amount: number) {
  await settle();
  const dispute = await waitForEffects(paymentId, "opened");
  const payment = (await paymentRow(paymentId))!;
  const stripe = createStripe(app());
  const stripeRefunds = (await stripe.refunds.list({ payment_intent: payment.stripePaymentIntentId! })).data.filter((r) => r.status === "succeeded");
  const ours = (await db().select().from(refunds).where(eq(refunds.paymentId, paymentId)).all()).filter((r) => r.status === "succeeded");
  expect(ours.map((r) => r.stripeRefundId)).toEqual(stripeRefunds.map((r) => r.id));
  expect(payment.amountRefundPending).toBe(0);
  const refundWon = stripeRefunds.length === 1;
  expect(payment.amountRefunded).toBe(refundWon ? amount : 0);
  const entries = await entriesOf(paymentId);
  // One reversal of the sale, never two: the refund's, or the dispute's.
  expect(entries.map((e) => e.kind).sort()).toEqual(refundWon ? ["reversal", "sale"] : ["dispute", "sale"]);
  expect(net(entries)).toEqual({ gross: 0, instructor: 0, platform: 0 });
  expect((await db().select().from(enrollments).where(eq(enrollments.paymentId, paymentId)).get())!.status).toBe(refundWon ? "revoked" : "suspended");

  await stripe.disputes.update(dispute.stripeDisputeId, { evidence: { uncategorized_text: "winning_evidence" }, submit: true });
  await settle();
  await waitForEffects(paymentId, "won");
  const after = net(await entriesOf(paymentId));
  expect(after.gross).toBe(refundWon ? 0 : amount);
  expect((await db().select().from(enrollments).where(eq(enrollments.paymentId, paymentId)).get())!.status).toBe(refundWon ? "revoked" : "active");
  return refundWon ? "refund" : "dispute";
}

describe("a refund and a dispute of the same charge", () => {
  it("a refund Stripe made whose answer was lost, then the dispute: the dispute settles the refund first and takes nothing; winning gives nothing back", async () => {
    const { paymentId, amount } = await disputablePurchase();
    const admin = await signedInAs("admin");
    await emulator().fault({ type: "500", after: true, path: "/v1/refunds", method: "POST", count: 3 });
    const refund = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId, reason: "Customer asked" }));
    expect(refund.status).toBeGreaterThanOrEqual(500);
    expect((await paymentRow(paymentId))!.amountRefundPending).toBe(amount);
    // The bank opens the dispute; only its events are handled (the refund's own are held back).
    await emulator().pending();
    await waitForHandled(await emulator().deliverWebhooks((r) => SELF.fetch(r), { only: (d) => d.type.startsWith("charge.dispute.") }));
    await waitForEffects(paymentId, "opened");
    const payment = (await paymentRow(paymentId))!;
    expect(payment).toMatchObject({ amountRefunded: amount, amountRefundPending: 0 });
    expect(await checkOneWinner(paymentId, amount)).toBe("refund");
  });

  it("an admin refund and the bank's dispute at once (Promise.all): one wins, per Stripe", async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { paymentId, amount } = await disputablePurchase();
      const admin = await signedInAs("admin");
      const [refund] = await Promise.all([admin.browser.json("/api/payments/refund", jsonBody({ paymentId, reason: "Customer asked" })), deliverWebhooks()]);
      expect([200, 409]).toContain(refund.status);
      const winner = await checkOneWinner(paymentId, amount);
      expect(refund.status).toBe(winner === "refund" ? 200 : 409);
      outcomes.push(winner);
    }
    console.info(`refund/dispute race winners: ${outcomes.join(", ")}`);
  });

  it("a learner's self-refund and the bank's dispute at once (Promise.all): one wins, per Stripe; the request says which", async () => {
    const { learner, paymentId, amount } = await disputablePurchase();
    const [ask] = await Promise.all([learner.browser.json("/api/payments/refund-requests", jsonBody({ paymentId })), deliverWebhooks()]);
    const winner = await checkOneWinner(paymentId, amount);
    if (winner === "refund") expect(ask.body.request?.status ?? ask.body.status).toBe("granted");
    else expect(ask.status).toBeGreaterThanOrEqual(400);
    console.info(`self-refund/dispute race winner: ${winner} (${ask.status})`);
  });
});

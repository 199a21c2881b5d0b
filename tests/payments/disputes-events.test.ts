import { env, SELF } from "cloudflare:test";
import { and, eq, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { reconcilePayment } from "~/modules/payments/reconcile.server";
import { createStripe } from "~/modules/payments/stripe.server";
import { auditLog, disputes, enrollments, instructorEarnings, refunds } from "~drizzle/schema";
import type { DisputeEffectStage } from "~drizzle/schema/enums";
import { createAppContext } from "../../workers/app";
import { drainEmails } from "../email/helpers";
import { db, jsonBody, signedInAs, waitFor } from "../helpers";
import { deliverWebhooks, emulator, insertCourse, outboxFor, paymentRow, waitForHandled, waitForPayment } from "./helpers";
import { createId } from "~/utils/ids";

// Disputes through the real webhook path (signature, queue, consumer, D1), against the emulator's
// dispute test cards: the dispute opens at the next delivery pull, as Stripe opens one shortly
// after the charge.

const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));
const enrollmentOf = (paymentId: string) => db().select().from(enrollments).where(eq(enrollments.paymentId, paymentId)).get();
const disputeOf = (paymentId: string) => db().select().from(disputes).where(eq(disputes.paymentId, paymentId)).get();
const entriesOf = (paymentId: string) => db().select().from(instructorEarnings).where(eq(instructorEarnings.paymentId, paymentId)).all();
const auditOf = (paymentId: string, action: string) => db().select().from(auditLog).where(and(eq(auditLog.targetId, paymentId), eq(auditLog.action, action))).all();
const net = (rows: Array<{ grossAmount: number; instructorAmount: number; platformAmount: number }>) =>
  rows.reduce((a, e) => ({ gross: a.gross + e.grossAmount, instructor: a.instructor + e.instructorAmount, platform: a.platform + e.platformAmount }), { gross: 0, instructor: 0, platform: 0 });
const waitForEffects = (paymentId: string, effects: DisputeEffectStage) =>
  waitFor(async () => {
    const row = await disputeOf(paymentId);
    return row?.effects === effects && row.effectsClaimedUntil === null ? row : undefined;
  }, 15_000);

/** A learner buys a course with one of Stripe's dispute test cards; the payment is confirmed (the dispute not yet delivered). */
async function disputedPurchase(card = "pm_card_createDispute") {
  const { course, instructor } = await insertCourse();
  const learner = await signedInAs("student");
  const res = await learner.browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: card }));
  expect(res.status).toBe(201);
  return { course, instructor, learner, paymentId: res.body.paymentId as string };
}

describe("disputes through the webhook path", () => {
  it("a dispute card's chargeback suspends access and freezes the earning; winning evidence restores both", async () => {
    const { learner, paymentId, instructor } = await disputedPurchase();
    await waitForHandled(await deliverWebhooks());
    await waitForPayment(paymentId, "succeeded");
    const opened = await waitForEffects(paymentId, "opened");
    expect(opened).toMatchObject({ status: "needs_response", reason: "fraudulent", amount: 4999, currency: "usd", feeAmount: 1500, userId: learner.user.id });
    expect(opened.evidenceDueBy! - opened.stripeCreatedAt).toBe(7 * 86_400_000);
    expect((await enrollmentOf(paymentId))!.status).toBe("suspended");
    const entries = await entriesOf(paymentId);
    expect(entries.map((e) => e.kind).sort()).toEqual(["dispute", "sale"]);
    expect(net(entries)).toEqual({ gross: 0, instructor: 0, platform: 0 });
    const sale = entries.find((e) => e.kind === "sale")!;
    expect(entries.find((e) => e.kind === "dispute")!.availableAt).toBe(sale.availableAt); // frozen with the sale
    expect(await auditOf(paymentId, "dispute.opened")).toHaveLength(1);
    await drainEmails();
    expect((await outboxFor(learner.user.email)).map((m) => m.template)).toContain("dispute-opened-learner");
    expect((await outboxFor(instructor.email)).map((m) => m.template)).toContain("dispute-opened-instructor");
    // A refund is refused while the chargeback is open (Stripe would refuse it too).
    const admin = await signedInAs("admin");
    const refund = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId, reason: "Customer asked" }));
    expect(refund.status).toBe(409);

    await createStripe(app()).disputes.update(opened.stripeDisputeId, { evidence: { uncategorized_text: "winning_evidence" }, submit: true });
    await waitForHandled(await deliverWebhooks());
    const won = await waitForEffects(paymentId, "won");
    expect(won.status).toBe("won");
    expect((await enrollmentOf(paymentId))!.status).toBe("active");
    const after = await entriesOf(paymentId);
    expect(after.map((e) => e.kind).sort()).toEqual(["dispute", "dispute_reinstated", "sale"]);
    expect(net(after)).toEqual({ gross: 4999, instructor: 3500, platform: 1499 });
  });

  it("one dispute event delivered 20 times applies its effects once", async () => {
    const { learner, paymentId } = await disputedPurchase("pm_card_createDisputeProductNotReceived");
    // The pull opens the dispute; its `created` event is then delivered 20 times at once.
    await emulator().pending();
    const intent = (await paymentRow(paymentId))!.stripePaymentIntentId;
    const event = (await emulator().events("charge.dispute.created")).find((e) => e.data.object.payment_intent === intent)!;
    await emulator().resend(event.id, 19);
    const delivered = await deliverWebhooks();
    expect(delivered.filter((d) => d.event_id === event.id)).toHaveLength(20);
    expect(delivered.every((d) => d.status === 200)).toBe(true);
    await waitForHandled(delivered);
    await waitForEffects(paymentId, "opened");
    expect(await db().select().from(disputes).where(eq(disputes.paymentId, paymentId)).all()).toHaveLength(1);
    expect((await entriesOf(paymentId)).filter((e) => e.kind === "dispute")).toHaveLength(1);
    expect(await auditOf(paymentId, "dispute.opened")).toHaveLength(1);
    await drainEmails();
    expect((await outboxFor(learner.user.email)).filter((m) => m.template === "dispute-opened-learner")).toHaveLength(1);
    expect((await enrollmentOf(paymentId))!.status).toBe("suspended");
  });

  it("a `created` event arriving after `closed` (lost) changes nothing: the lost dispute stays lost", async () => {
    const { paymentId } = await disputedPurchase("pm_card_createDisputeProductNotReceived");
    // The payment's own events first; the dispute's events are held back.
    await waitForHandled(await emulator().deliverWebhooks((r) => SELF.fetch(r), { only: (d) => !d.type.startsWith("charge.dispute.") }));
    await waitForPayment(paymentId, "succeeded");
    await waitFor(async () => (await paymentRow(paymentId))?.fulfilledAt);
    const remote = (await createStripe(app()).disputes.list({ payment_intent: (await paymentRow(paymentId))!.stripePaymentIntentId! })).data[0]!;
    await createStripe(app()).disputes.close(remote.id);
    // closed arrives first, then created, updated and funds_withdrawn.
    await waitForHandled(await emulator().deliverWebhooks((r) => SELF.fetch(r), { only: (d) => d.type === "charge.dispute.closed" }));
    const lost = await waitForEffects(paymentId, "lost");
    expect(lost.status).toBe("lost");
    expect(await auditOf(paymentId, "dispute.opened")).toHaveLength(0); // never seen open
    await waitForHandled(await deliverWebhooks());
    const row = (await disputeOf(paymentId))!;
    expect(row).toMatchObject({ status: "lost", effects: "lost" });
    expect((await enrollmentOf(paymentId))!.status).toBe("revoked");
    const entries = await entriesOf(paymentId);
    expect(entries.map((e) => e.kind).sort()).toEqual(["dispute", "sale"]);
    expect(net(entries)).toEqual({ gross: 0, instructor: 0, platform: 0 });
    expect(await auditOf(paymentId, "dispute.lost")).toHaveLength(1);
  });

  it("a dispute and a refund of the same charge at once reverse the sale once", async () => {
    const { paymentId } = await disputedPurchase();
    await waitForHandled(await emulator().deliverWebhooks((r) => SELF.fetch(r), { only: (d) => !d.type.startsWith("charge.dispute.") }));
    await waitFor(async () => (await paymentRow(paymentId))?.fulfilledAt);
    const admin = await signedInAs("admin");
    // The pull above opened the dispute in Stripe; our row may not exist yet while the refund runs:
    // the refund's Stripe call and the consumer's handling of the dispute race.
    const [refund, delivered] = await Promise.all([admin.browser.json("/api/payments/refund", jsonBody({ paymentId, reason: "Customer asked" })), deliverWebhooks()]);
    await waitForHandled(delivered);
    await waitForHandled(await deliverWebhooks());
    await waitForEffects(paymentId, "opened");
    const rows = await db().select().from(refunds).where(eq(refunds.paymentId, paymentId)).all();
    const succeeded = rows.filter((r) => r.status === "succeeded");
    // Either the refund went first (then the dispute finds nothing left to freeze), or Stripe /
    // our check refused it because the charge was disputed. Never both reversals.
    if (refund.status === 200) expect(succeeded).toHaveLength(1);
    else {
      expect(refund.status).toBe(409);
      expect(succeeded).toHaveLength(0);
    }
    const payment = (await paymentRow(paymentId))!;
    expect(payment.amountRefunded).toBe(succeeded.length ? 4999 : 0);
    expect(payment.amountRefundPending).toBe(0);
    expect(net(await entriesOf(paymentId))).toEqual({ gross: 0, instructor: 0, platform: 0 });
    expect(["suspended", "revoked"]).toContain((await enrollmentOf(paymentId))!.status);
    expect((await db().select().from(instructorEarnings).where(and(eq(instructorEarnings.paymentId, paymentId), like(instructorEarnings.idempotencyKey, "dispute:%"))).all()).length).toBe(succeeded.length ? 0 : 1);
  });

  it("a refund that went first leaves the dispute nothing to freeze; the revoked enrollment stays revoked", async () => {
    const { paymentId } = await disputedPurchase();
    // Settled from Stripe as the checkout return does (no delivery pulled, so the bank has not
    // opened the dispute yet): the refund goes through.
    await reconcilePayment(app(), paymentId);
    expect((await paymentRow(paymentId))!.fulfilledAt).not.toBeNull();
    const admin = await signedInAs("admin");
    const refund = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId, reason: "Customer asked" }));
    expect(refund.status).toBe(200);
    expect(refund.body.refund.status).toBe("succeeded");
    await waitForHandled(await deliverWebhooks());
    await waitForEffects(paymentId, "opened");
    expect((await enrollmentOf(paymentId))!.status).toBe("revoked");
    const entries = await entriesOf(paymentId);
    expect(entries.map((e) => e.kind).sort()).toEqual(["reversal", "sale"]); // no dispute entry: nothing was left
    expect(net(entries)).toEqual({ gross: 0, instructor: 0, platform: 0 });
  });

  it("an inquiry is shown, not acted on", async () => {
    const { paymentId } = await disputedPurchase("pm_card_createDisputeInquiry");
    await waitForHandled(await deliverWebhooks());
    await waitFor(async () => (await paymentRow(paymentId))?.fulfilledAt);
    const row = await waitFor(async () => disputeOf(paymentId));
    expect(row).toMatchObject({ status: "warning_needs_response", effects: "none", feeAmount: 0 });
    expect((await enrollmentOf(paymentId))!.status).toBe("active");
    expect(net(await entriesOf(paymentId)).gross).toBe(4999);
  });
});

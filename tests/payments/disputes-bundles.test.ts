import { env } from "cloudflare:test";
import { and, eq, inArray, like } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createBundle, setBundleStatus } from "~/modules/marketplace/bundles.server";
import { bundlePurchasePurpose } from "~/modules/marketplace/bundle-purchase.server";
import { earningsSummary, entriesForPayment } from "~/modules/marketplace/earnings.server";
import { runPayouts, type TransferFn } from "~/modules/marketplace/payouts.server";
import { applyDisputeEffects, syncDispute } from "~/modules/payments/disputes.server";
import { DISPUTE_POLICY } from "~/modules/payments/disputes-policy";
import { createStripe } from "~/modules/payments/stripe.server";
import { DAY, resetClock, setClock } from "~/utils/clock";
import { createId } from "~/utils/ids";
import { auditLog, disputes, enrollments, instructorEarnings, payments } from "~drizzle/schema";
import type { DisputeEffectStage } from "~drizzle/schema/enums";
import { createAppContext } from "../../workers/app";
import { drainEmails } from "../email/helpers";
import { db, insertUser, jsonBody, signedInAs, waitFor } from "../helpers";
import { insertCourse } from "../marketplace/helpers";
import { deliverWebhooks, disputeRow, emulator, instructorWithPayouts, outboxFor, paymentRow, setDisputeStatus, waitForHandled, waitForPayment } from "./helpers";

// Disputes of a bundle purchase (decisions 011 and 014): every course the payment granted is
// suspended, restored or ended together, and each course's earning is frozen, recovered,
// reinstated or reversed on its own sale, once per dispute and course.

const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));
const session = (u: Awaited<ReturnType<typeof insertUser>>) => ({ ...u, sessionId: null, via: "session" as const });
const transfers: Array<{ id: string; amount: number }> = [];
const fakeTransfer: TransferFn = async (_app, payout) => {
  transfers.push({ id: payout.id, amount: payout.amount });
  return { transferId: `tr_${payout.id.slice(-12)}` };
};
let clock = Date.now();
const advance = (ms: number) => {
  clock += ms;
  setClock(() => clock);
};
afterEach(() => resetClock());

type Row = { courseId: string; grossAmount: number; instructorAmount: number; platformAmount: number; kind: string };
/** Net of the ledger per course: gross / instructor / platform. */
const perCourse = (rows: Row[]) => {
  const out: Record<string, { gross: number; instructor: number; platform: number }> = {};
  for (const e of rows) {
    const n = (out[e.courseId] ??= { gross: 0, instructor: 0, platform: 0 });
    n.gross += e.grossAmount;
    n.instructor += e.instructorAmount;
    n.platform += e.platformAmount;
  }
  return out;
};
const statuses = async (paymentId: string) => (await db().select().from(enrollments).where(eq(enrollments.paymentId, paymentId)).all()).map((e) => e.status).sort();
const totals = async (instructorId: string) => (await earningsSummary(app(), instructorId)).totals[0];


/**
 * An admin's $49.99 bundle of three $29.99 courses, two by instructor A and one by B (shares
 * 1667 / 1666 / 1666), bought and fulfilled as payments writes it.
 */
async function paidBundle() {
  const a = await instructorWithPayouts(clock);
  const b = await instructorWithPayouts(clock);
  const list = [await insertCourse(a.id, { priceAmount: 2999 }), await insertCourse(a.id, { priceAmount: 2999 }), await insertCourse(b.id, { priceAmount: 2999 })];
  const admin = await insertUser("admin");
  const bundle = await createBundle(app(), session(admin), { title: "Analyst bundle", description: "Three courses from SQL to dashboards, at one price.", priceAmount: 4999, currency: "usd", courseIds: list.map((c) => c.id) });
  await setBundleStatus(app(), session(admin), bundle.id, "published");
  const learner = await insertUser("student");
  const quote = await bundlePurchasePurpose.quote(app(), session(learner), { bundleId: bundle.id });
  const t = clock;
  const payment = {
    id: createId("payment"),
    userId: learner.id,
    purpose: "bundle_purchase",
    purposeRef: bundle.id,
    description: quote.description,
    amount: quote.amount,
    currency: "usd",
    status: "succeeded" as const,
    flow: "payment_method" as const,
    stripePaymentIntentId: `pi_${createId("payment").slice(4)}`,
    metadata: quote.metadata ?? {},
    fulfilledAt: t,
    succeededAt: t,
    createdAt: t,
    updatedAt: t,
  };
  await db().insert(payments).values(payment).run();
  await bundlePurchasePurpose.fulfil(app(), { id: payment.id, userId: learner.id, purpose: "bundle_purchase", purposeRef: bundle.id, amount: payment.amount, currency: "usd", amountRefunded: 0, metadata: payment.metadata });
  return { a, b, courses: list, bundle, learner, payment };
}


describe("disputes of a bundle purchase", () => {
  it("opened inside the hold freezes every course's earning and pauses every course; won restores all and they are paid with their sales", async () => {
    clock = Date.now();
    setClock(() => clock);
    const { a, b, courses: list, payment } = await paidBundle();
    expect(await statuses(payment.id)).toEqual(["active", "active", "active"]);
    const disputeId = await disputeRow(payment, "needs_response", clock);
    await applyDisputeEffects(app(), disputeId);
    expect(await statuses(payment.id)).toEqual(["suspended", "suspended", "suspended"]);
    const entries = await entriesForPayment(app(), payment.id);
    const frozen = entries.filter((e) => e.kind === "dispute");
    expect(frozen.map((e) => e.courseId).sort()).toEqual(list.map((c) => c.id).sort());
    for (const e of frozen) {
      const sale = entries.find((s) => s.kind === "sale" && s.courseId === e.courseId)!;
      expect(e).toMatchObject({ idempotencyKey: `dispute:${disputeId}:${e.courseId}`, reversesId: sale.id, availableAt: sale.availableAt, grossAmount: -sale.grossAmount, instructorAmount: -sale.instructorAmount });
    }
    expect(Object.values(perCourse(entries))).toEqual([0, 0, 0].map(() => ({ gross: 0, instructor: 0, platform: 0 })));
    // Frozen: past the hold nothing is paid to either instructor.
    advance(31 * DAY);
    const before = transfers.length;
    await runPayouts(app(), fakeTransfer);
    expect(transfers.length).toBe(before);
    const summary = await earningsSummary(app(), a.id);
    expect(summary.disputed.map((d) => d.state)).toEqual(["frozen", "frozen"]);

    await setDisputeStatus(disputeId, "won");
    await applyDisputeEffects(app(), disputeId);
    expect(await statuses(payment.id)).toEqual(["active", "active", "active"]);
    await runPayouts(app(), fakeTransfer);
    // A: 70 % of 1667 + 70 % of 1666; B: 70 % of 1666 (leftover unit to the instructor).
    expect(transfers.slice(before).map((t) => t.amount).sort((x, y) => x - y)).toEqual([1167, 1167 + 1167]);
    expect(await totals(a.id)).toMatchObject({ paid: 2334, available: 0, pending: 0 });
    expect(await totals(b.id)).toMatchObject({ paid: 1167, available: 0, pending: 0 });
    expect((await earningsSummary(app(), b.id)).disputed.map((d) => d.state)).toEqual(["reinstated"]);
  });

  it("opened after the payout recovers each course's earning (negative balances carried forward); lost ends every course and reverses each earning like a full refund", async () => {
    clock = Date.now();
    setClock(() => clock);
    const { a, b, payment, learner } = await paidBundle();
    advance(31 * DAY);
    expect((await runPayouts(app(), fakeTransfer)).paid).toBe(2);
    const disputeId = await disputeRow(payment, "under_review", clock);
    await applyDisputeEffects(app(), disputeId);
    expect(await statuses(payment.id)).toEqual(["suspended", "suspended", "suspended"]);
    expect(await totals(a.id)).toMatchObject({ available: -2334, paid: 2334 });
    expect(await totals(b.id)).toMatchObject({ available: -1167, paid: 1167 });
    expect((await earningsSummary(app(), a.id)).disputed.map((d) => d.state)).toEqual(["recovered", "recovered"]);
    // Nothing is paid (or settled away) while the balances are negative.
    expect((await runPayouts(app(), fakeTransfer)).created).toBe(0);
    // Each instructor is told once, with their own courses of the bundle.
    await drainEmails();
    const toA = (await outboxFor(a.email)).filter((m) => m.template === "dispute-opened-instructor");
    expect(toA).toHaveLength(1);
    expect(toA[0]!.subject).toContain("Analyst bundle");
    expect((await outboxFor(b.email)).filter((m) => m.template === "dispute-opened-instructor")).toHaveLength(1);
    expect((await outboxFor(learner.email)).filter((m) => m.template === "dispute-opened-learner")).toHaveLength(1);

    await setDisputeStatus(disputeId, "lost");
    expect((await applyDisputeEffects(app(), disputeId)).effects).toBe("lost");
    expect(await statuses(payment.id)).toEqual(["revoked", "revoked", "revoked"]);
    await applyDisputeEffects(app(), disputeId); // a redelivery changes nothing
    const entries = await entriesForPayment(app(), payment.id);
    expect(entries.filter((e) => e.kind === "dispute")).toHaveLength(3);
    expect(entries).toHaveLength(6);
    expect(Object.values(perCourse(entries))).toEqual([0, 0, 0].map(() => ({ gross: 0, instructor: 0, platform: 0 })));
    expect((await earningsSummary(app(), b.id)).disputed.map((d) => d.state)).toEqual(["lost"]);
    // A later sale of B's covers B's recovery: the payout is the new earning less it.
    await (await import("~/modules/marketplace/purchase.server")).coursePurchasePurpose.fulfil(app(), await paidCourseRow(b.id, 10_000));
    advance(31 * DAY);
    const before = transfers.length;
    await runPayouts(app(), fakeTransfer);
    expect(transfers.slice(before).map((t) => t.amount)).toEqual([7000 - 1167]);
  });

  it("lost before it was seen open reverses each course's earning at once; an instructor-borne fee is spread over the courses by share", async () => {
    clock = Date.now();
    setClock(() => clock);
    const { payment } = await paidBundle();
    const view = { id: payment.id, userId: payment.userId, purpose: "bundle_purchase" as const, purposeRef: payment.purposeRef, amount: payment.amount, currency: "usd" as const, amountRefunded: 0, metadata: payment.metadata };
    const effect = { id: createId("dispute"), stripeDisputeId: "dp_fee", stage: "lost" as const, from: "none" as const, amount: payment.amount, currency: "usd" as const, reason: "fraudulent", fee: 1500, policy: { ...DISPUTE_POLICY, feeBearer: "instructor" as const } };
    await bundlePurchasePurpose.dispute!(app(), view, effect);
    await bundlePurchasePurpose.dispute!(app(), view, effect); // replayed: booked once
    expect(await statuses(payment.id)).toEqual(["revoked", "revoked", "revoked"]);
    const entries = await entriesForPayment(app(), payment.id);
    const fees = entries.filter((e) => e.kind === "dispute_fee");
    expect(fees.map((e) => -e.instructorAmount).sort((x, y) => x - y)).toEqual([500, 500, 500]);
    expect(fees.reduce((s, e) => s + e.platformAmount, 0)).toBe(1500);
    const net = perCourse(entries.filter((e) => e.kind !== "dispute_fee"));
    expect(Object.values(net)).toEqual([0, 0, 0].map(() => ({ gross: 0, instructor: 0, platform: 0 })));
  });

  it("twenty runs of one bundle dispute at once book one entry per course and one email per instructor", async () => {
    clock = Date.now();
    setClock(() => clock);
    const { a, b, payment } = await paidBundle();
    const disputeId = await disputeRow(payment, "needs_response", clock);
    const runs = await Promise.allSettled(Array.from({ length: 20 }, () => applyDisputeEffects(app(), disputeId)));
    expect(runs.some((r) => r.status === "fulfilled")).toBe(true);
    // A run that could not claim the row in time throws for the queue to retry: retried, it finds nothing to do.
    await applyDisputeEffects(app(), disputeId);
    const keys = (await entriesForPayment(app(), payment.id)).filter((e) => e.kind === "dispute").map((e) => e.idempotencyKey);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
    expect((await db().select().from(disputes).where(eq(disputes.id, disputeId)).get())!.effects).toBe("opened");
    expect(await db().select().from(auditLog).where(and(eq(auditLog.targetId, payment.id), eq(auditLog.action, "dispute.opened"))).all()).toHaveLength(1);
    await drainEmails();
    for (const who of [a, b]) expect((await outboxFor(who.email)).filter((m) => m.template === "dispute-opened-instructor")).toHaveLength(1);
    expect(await statuses(payment.id)).toEqual(["suspended", "suspended", "suspended"]);
  });
});

/** A fulfilled-ready single-course payment row of instructor's new course. */
async function paidCourseRow(instructorId: string, amount: number) {
  const learner = await insertUser("student");
  const course = await insertCourse(instructorId, { priceAmount: amount });
  const id = createId("payment");
  await db()
    .insert(payments)
    .values({ id, userId: learner.id, purpose: "course_purchase", purposeRef: course.id, description: `Course: ${course.title}`, amount, currency: "usd", status: "succeeded", flow: "payment_method", stripePaymentIntentId: `pi_${id.slice(4)}`, metadata: {}, fulfilledAt: clock, succeededAt: clock, createdAt: clock, updatedAt: clock })
    .run();
  return { id, userId: learner.id, purpose: "course_purchase" as const, purposeRef: course.id, amount, currency: "usd" as const, amountRefunded: 0, metadata: {} };
}

describe("a bundle bought with a dispute card, through the webhook path", () => {
  beforeEach(async () => {
    resetClock();
    await emulator().clearFaults();
    await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
  });

  it("its `created` event delivered 20 times, and synced 20 times at once, suspends every course and freezes each earning once; losing_evidence ends them", async () => {
    const instructor = await insertUser("instructor");
    const list = [await insertCourse(instructor.id, { priceAmount: 2999 }), await insertCourse(instructor.id, { priceAmount: 2999 })];
    const bundle = await createBundle(app(), session(instructor), { title: "Two-course bundle", description: "Two courses that go together, at one price.", priceAmount: 4999, currency: "usd", courseIds: list.map((c) => c.id) });
    await setBundleStatus(app(), session(instructor), bundle.id, "published");
    const learner = await signedInAs("student");
    const res = await learner.browser.json("/api/payments/process", jsonBody({ purpose: "bundle_purchase", bundleId: bundle.id, flow: "payment_method", paymentMethod: "pm_card_createDispute" }));
    expect(res.status).toBe(201);
    const paymentId = res.body.paymentId as string;
    await emulator().pending(); // the pull opens the dispute, as Stripe does shortly after the charge
    const intent = (await paymentRow(paymentId))!.stripePaymentIntentId;
    const event = (await emulator().events("charge.dispute.created")).find((e) => e.data.object.payment_intent === intent)!;
    await emulator().resend(event.id, 19);
    const delivered = await deliverWebhooks();
    expect(delivered.filter((d) => d.event_id === event.id)).toHaveLength(20);
    await waitForHandled(delivered);
    await waitForPayment(paymentId, "succeeded");
    const stripeDisputeId = event.data.object.id as string;
    // The same dispute synced 20 times at once (a replay storm beside the queue's deliveries).
    const synced = await Promise.allSettled(Array.from({ length: 20 }, () => syncDispute(app(), stripeDisputeId)));
    expect(synced.some((r) => r.status === "fulfilled")).toBe(true);
    const waitForEffects = (effects: DisputeEffectStage) =>
      waitFor(async () => {
        const row = await db().select().from(disputes).where(eq(disputes.paymentId, paymentId)).get();
        return row?.effects === effects && row.effectsClaimedUntil === null ? row : undefined;
      }, 15_000);
    await waitForEffects("opened");
    expect(await db().select().from(disputes).where(eq(disputes.paymentId, paymentId)).all()).toHaveLength(1);
    expect(await statuses(paymentId)).toEqual(["suspended", "suspended"]);
    const disputeEntries = () => db().select().from(instructorEarnings).where(and(eq(instructorEarnings.paymentId, paymentId), like(instructorEarnings.idempotencyKey, "dispute:%"))).all();
    expect(await disputeEntries()).toHaveLength(2);
    await drainEmails();
    expect((await outboxFor(instructor.email)).filter((m) => m.template === "dispute-opened-instructor")).toHaveLength(1);
    expect((await outboxFor(learner.user.email)).filter((m) => m.template === "dispute-opened-learner")).toHaveLength(1);

    await createStripe(app()).disputes.update(stripeDisputeId, { evidence: { uncategorized_text: "losing_evidence" }, submit: true });
    await waitForHandled(await deliverWebhooks());
    await waitForEffects("lost");
    expect(await statuses(paymentId)).toEqual(["revoked", "revoked"]);
    expect(await disputeEntries()).toHaveLength(2);
    const rows = await db().select().from(instructorEarnings).where(and(eq(instructorEarnings.paymentId, paymentId), inArray(instructorEarnings.courseId, list.map((c) => c.id)))).all();
    expect(Object.values(perCourse(rows))).toEqual([{ gross: 0, instructor: 0, platform: 0 }, { gross: 0, instructor: 0, platform: 0 }]);
  });
});

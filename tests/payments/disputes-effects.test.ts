import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { earningsSummary, entriesForPayment } from "~/modules/marketplace/earnings.server";
import { runPayouts, type TransferFn } from "~/modules/marketplace/payouts.server";
import { coursePurchasePurpose } from "~/modules/marketplace/purchase.server";
import { applyDisputeEffects } from "~/modules/payments/disputes.server";
import { getEntitlement } from "~/modules/subscriptions/entitlements.server";
import { DAY, resetClock, setClock } from "~/utils/clock";
import { createId } from "~/utils/ids";
import { disputes, enrollments, payments, subscriptions } from "~drizzle/schema";
import { createAppContext } from "../../workers/app";
import { db, insertUser } from "../helpers";
import { insertCourse } from "../marketplace/helpers";
import { disputeRow, instructorWithPayouts, setDisputeStatus } from "./helpers";

// The policy's effects (payments/disputes-policy.ts) as each capability applies them, driven through
// payments' applyDisputeEffects on real D1 rows and real wallets: access, earnings held and already
// paid out (a negative balance carried forward), tokens, and a subscription's tier.

const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));
const transfers: Array<{ id: string; amount: number }> = [];
const fakeTransfer: TransferFn = async (_app, payout) => {
  transfers.push({ id: payout.id, amount: payout.amount });
  return { transferId: `tr_${payout.id.slice(-12)}` };
};
afterEach(() => resetClock());

let clock = Date.now();
const advance = (ms: number) => {
  clock += ms;
  setClock(() => clock);
};

/** A succeeded, fulfilled course payment (our row, as payments writes it), its enrollment and sale. */
async function paidCourse(instructorId: string, amount: number, metadata: Record<string, string> = {}) {
  const learner = await insertUser("student");
  const course = await insertCourse(instructorId, { priceAmount: amount });
  const t = clock;
  const payment = {
    id: createId("payment"),
    userId: learner.id,
    purpose: "course_purchase",
    purposeRef: course.id,
    description: `Course: ${course.title}`,
    amount,
    currency: "usd",
    status: "succeeded" as const,
    flow: "payment_method" as const,
    stripePaymentIntentId: `pi_${createId("payment").slice(4)}`,
    metadata,
    fulfilledAt: t,
    succeededAt: t,
    createdAt: t,
    updatedAt: t,
  };
  await db().insert(payments).values(payment).run();
  await coursePurchasePurpose.fulfil(app(), { id: payment.id, userId: learner.id, purpose: "course_purchase", purposeRef: course.id, amount, currency: "usd", amountRefunded: 0, metadata });
  return { learner, course, payment };
}

const enrollment = (paymentId: string) => db().select().from(enrollments).where(eq(enrollments.paymentId, paymentId)).get();
const totals = async (instructorId: string) => (await earningsSummary(app(), instructorId)).totals[0];


describe("dispute effects", () => {
  it("opened after the payout: the earning is recovered from later earnings (negative carried forward); lost ends access", async () => {
    clock = Date.now();
    const instructor = await instructorWithPayouts(clock);
    const { payment } = await paidCourse(instructor.id, 5000);
    advance(31 * DAY);
    expect((await runPayouts(app(), fakeTransfer)).paid).toBe(1);
    expect(transfers.at(-1)!.amount).toBe(3500);

    const disputeId = await disputeRow(payment, "needs_response", clock);
    await applyDisputeEffects(app(), disputeId);
    expect((await enrollment(payment.id))!.status).toBe("suspended");
    const recovery = (await entriesForPayment(app(), payment.id)).find((e) => e.kind === "dispute")!;
    expect(recovery).toMatchObject({ grossAmount: -5000, instructorAmount: -3500, platformAmount: -1500, payoutId: null, availableAt: clock });
    expect(await totals(instructor.id)).toMatchObject({ available: -3500, paid: 3500 });
    // Nothing is paid (or settled away) while the balance is negative: it is carried forward.
    const before = transfers.length;
    expect((await runPayouts(app(), fakeTransfer)).created).toBe(0);
    expect(transfers.length).toBe(before);

    // A later sale covers it: the next payout is the new earning minus the recovery.
    await paidCourse(instructor.id, 10_000);
    advance(31 * DAY);
    expect((await runPayouts(app(), fakeTransfer)).paid).toBe(1);
    expect(transfers.at(-1)!.amount).toBe(7000 - 3500);
    expect(await totals(instructor.id)).toMatchObject({ available: 0, pending: 0, paid: 3500 + 3500 });

    await setDisputeStatus(disputeId, "lost");
    const lost = await applyDisputeEffects(app(), disputeId);
    expect(lost.effects).toBe("lost");
    expect((await enrollment(payment.id))!.status).toBe("revoked");
    expect((await entriesForPayment(app(), payment.id)).filter((e) => e.kind === "dispute")).toHaveLength(1); // booked once
    // Applying again (a redelivered event) changes nothing.
    await applyDisputeEffects(app(), disputeId);
    expect(await entriesForPayment(app(), payment.id)).toHaveLength(2);
  });

  it("opened inside the hold freezes the earning; won reinstates it and it is paid with the sale", async () => {
    clock = Date.now();
    const instructor = await instructorWithPayouts(clock);
    const { payment } = await paidCourse(instructor.id, 2999);
    const disputeId = await disputeRow(payment, "needs_response", clock);
    await applyDisputeEffects(app(), disputeId);
    advance(31 * DAY);
    // The sale and its dispute entry net to zero: nothing is paid while it is frozen.
    const first = transfers.length;
    await runPayouts(app(), fakeTransfer);
    expect(transfers.length).toBe(first);
    expect(await totals(instructor.id)).toMatchObject({ available: 0, pending: 0, paid: 0 });

    await setDisputeStatus(disputeId, "won");
    await applyDisputeEffects(app(), disputeId);
    expect((await enrollment(payment.id))!.status).toBe("active");
    await runPayouts(app(), fakeTransfer);
    expect(transfers.at(-1)!.amount).toBe(2100); // 70 % of 2999, leftover unit to the instructor
    const entries = await entriesForPayment(app(), payment.id);
    expect(entries.reduce((s, e) => s + e.instructorAmount, 0)).toBe(2100);
    expect(entries.reduce((s, e) => s + e.platformAmount, 0)).toBe(899);
  });

  it("won after a recovery gives the instructor the amount back on the next payout", async () => {
    clock = Date.now();
    const instructor = await instructorWithPayouts(clock);
    const { payment } = await paidCourse(instructor.id, 4000);
    advance(31 * DAY);
    await runPayouts(app(), fakeTransfer);
    const disputeId = await disputeRow(payment, "under_review", clock);
    await applyDisputeEffects(app(), disputeId);
    expect(await totals(instructor.id)).toMatchObject({ available: -2800 });
    await setDisputeStatus(disputeId, "won");
    await applyDisputeEffects(app(), disputeId);
    expect(await totals(instructor.id)).toMatchObject({ available: 0, paid: 2800 });
  });

  it("tokens the course earned are frozen while open, released when won, clawed back when lost", async () => {
    clock = Date.now();
    const instructor = await insertUser("instructor");
    const wallet = (userId: string) => env.TOKEN_WALLET.get(env.TOKEN_WALLET.idFromName(userId));
    for (const outcome of ["won", "lost"] as const) {
      const { payment, learner, course } = await paidCourse(instructor.id, 3000);
      await wallet(learner.id).credit({ userId: learner.id, at: clock, type: "award", amount: 150, reason: "Course completed", sourceKey: `course_completed:${course.id}`, ref: `course:${course.id}` });
      await wallet(learner.id).credit({ userId: learner.id, at: clock, type: "award", amount: 40, reason: "Other", sourceKey: `other:${course.id}`, ref: "course:other" });
      const disputeId = await disputeRow(payment, "needs_response", clock);
      await applyDisputeEffects(app(), disputeId);
      await applyDisputeEffects(app(), disputeId); // replayed: frozen once
      expect(await wallet(learner.id).balance({ userId: learner.id })).toEqual({ balance: 40, held: 150 });
      await setDisputeStatus(disputeId, outcome);
      await applyDisputeEffects(app(), disputeId);
      expect(await wallet(learner.id).balance({ userId: learner.id })).toEqual(outcome === "won" ? { balance: 190, held: 0 } : { balance: 40, held: 0 });
    }
  });

  it("a disputed subscription invoice drops the tier at once; won restores it", async () => {
    clock = Date.now();
    const learner = await insertUser("student");
    const subId = createId("subscription");
    await db()
      .insert(subscriptions)
      .values({ id: subId, userId: learner.id, tier: "pro", interval: "month", status: "active", amount: 1900, currency: "usd", currentPeriodStart: clock, currentPeriodEnd: clock + 30 * DAY, stripeSubscriptionId: `sub_${subId.slice(4)}`, stripeCustomerId: "cus_x", stripePriceId: "price_x", syncedAt: clock, createdAt: clock, updatedAt: clock })
      .run();
    const payment = {
      id: createId("payment"),
      userId: learner.id,
      purpose: "subscription",
      purposeRef: subId,
      description: "Coursemint Pro (monthly)",
      amount: 1900,
      currency: "usd",
      status: "succeeded" as const,
      flow: "payment_method" as const,
      stripePaymentIntentId: `pi_${createId("payment").slice(4)}`,
      metadata: {},
      fulfilledAt: clock,
      succeededAt: clock,
      createdAt: clock,
      updatedAt: clock,
    };
    await db().insert(payments).values(payment).run();
    expect((await getEntitlement(app(), learner.id)).tier).toBe("pro");
    const disputeId = await disputeRow(payment, "needs_response", clock);
    await applyDisputeEffects(app(), disputeId);
    expect((await getEntitlement(app(), learner.id)).tier).toBe("free");
    await setDisputeStatus(disputeId, "won");
    await applyDisputeEffects(app(), disputeId);
    expect((await getEntitlement(app(), learner.id)).tier).toBe("pro");
  });

  it("two runs applying the same dispute at once apply it once", async () => {
    clock = Date.now();
    const instructor = await insertUser("instructor");
    const { payment } = await paidCourse(instructor.id, 2500);
    const disputeId = await disputeRow(payment, "needs_response", clock);
    await Promise.all(Array.from({ length: 5 }, () => applyDisputeEffects(app(), disputeId)));
    expect((await entriesForPayment(app(), payment.id)).filter((e) => e.kind === "dispute")).toHaveLength(1);
    expect((await db().select().from(disputes).where(eq(disputes.id, disputeId)).get())!.effects).toBe("opened");
  });
});

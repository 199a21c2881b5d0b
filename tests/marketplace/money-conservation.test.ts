import { env } from "cloudflare:test";
import { and, eq, inArray } from "drizzle-orm";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { createAppContext } from "../../workers/app";
import type { SessionUser } from "~/modules/auth/session.server";
import { completeModule } from "~/modules/marketplace/access.server";
import { purchaseCourse } from "~/modules/marketplace/checkout.server";
import { createBundle, setBundleStatus } from "~/modules/marketplace/bundles.server";
import { processPayment } from "~/modules/payments/process.server";
import { runPayouts } from "~/modules/marketplace/payouts.server";
import { decideRefundRequest, requestRefund } from "~/modules/marketplace/refund-requests.server";
import { reconcilePayment } from "~/modules/payments/reconcile.server";
import { refundPayment } from "~/modules/payments/refunds.server";
import { createStripe } from "~/modules/payments/stripe.server";
import { DAY, now, resetClock, setClock } from "~/utils/clock";
import { AppError } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { createSubscription } from "~/modules/subscriptions/lifecycle.server";
import { getEntitlement } from "~/modules/subscriptions/entitlements.server";
import { bundlePurchaseItems, bundleRefundParts, courseModules, disputes, enrollments, instructorAccounts, instructorEarnings, payments, payouts, refundRequests, refunds, subscriptions } from "~drizzle/schema";
import { db, insertUser } from "../helpers";
import { emulator } from "../payments/helpers";
import { syncWebhooks } from "../subscriptions/helpers";
import { credit, wallet } from "../tokens/helpers";
import { insertCourse } from "./helpers";
import type { CheckoutBuyer } from "../../workers/stripe-emulator/testing";

/*
 * Money is conserved across random sequences of money events, run against the real services, the
 * real D1 and the Stripe emulator (no model of them): course purchases with and without a token
 * discount, admin refunds (partial and full), self-service refunds (granted, refused, sent to review,
 * approved), learning progress (which the refund policy reads), time passing (the 30-day hold and
 * the refund window) and the payout cron. After each sequence:
 *   paid − refunded = platform revenue + instructor earnings   (to the cent; Stripe fees are not
 *   modelled by the emulator and stay apart), where platform revenue is the ledger's platform share
 *   minus the refunds the platform absorbed (made after the hold, when the instructor keeps the
 *   earning: docs/marketplace.md);
 * Stripe agrees with D1 on every charge, refund and transfer; no earning, balance or payout is
 * negative (the design has no carried-forward recovery yet: a refund after the hold is absorbed, so
 * an unpaid balance below zero is a failure); access matches what is still paid for; token holds are
 * all settled; and every granted or approved refund request made exactly one refund.
 *
 * Chargebacks too: a purchase with Stripe's dispute test card opens one, and evidence wins or loses
 * it. Then paid − refunded − disputed = platform revenue + instructor earnings, where `disputed` is
 * the remaining net of each sale whose chargeback is open or lost (won ones give it back; Stripe's
 * dispute fee is booked apart, like its other fees), access is suspended while open and ended when
 * lost, and unpaid earnings go below zero only by a dispute recovered after a payout.
 * Bundles too: an admin's bundle of the three courses (two instructors) bought with the learner's
 * owned courses' shares off, then refunded in part or in full like any purchase; per course, sales
 * add up to what was paid, reversals to at most each refund, and access follows what is left.
 * Tax: purchases through Checkout with a billing address (`buyTaxed`: New York, Germany, a German
 * business with a VAT number, California, Australia, Ontario, Brazil; USD prices, so the tax is added)
 * record the tax; the sale is split net of it, each refund carries its share (all of it once fully
 * refunded), reversals are net of it, and the tax not refunded is held apart:
 *   paid − refunded − disputed = platform revenue + instructor earnings + tax held.
 * Subscriptions too: a learner starts a Pro or Enterprise plan with a card (the dispute card charges
 * back the first invoice); the invoice is a payment with no instructor share, refunded by admins like
 * any payment (the tier stays), disputed and won or lost like a purchase (the tier drops while open
 * or lost, the subscription is canceled when lost); the platform keeps what is neither refunded nor
 * taken by an open or lost dispute:
 *   paid − refunded − disputed = platform revenue (ledger share − absorbed + subscriptions kept) + instructor earnings + tax held.
 * Adding a step: a variant to `Step`, its arbitrary to `stepArb`, a case in `run`, what it moves to `check`.
 */

const SEED = 20261207;
const NUM_RUNS = 15;

type Step =
  | { kind: "buy"; learner: number; course: number; tokens: number }
  | { kind: "buyTaxed"; learner: number; course: number; buyer: number }
  | { kind: "adminRefund"; purchase: number; shareBps: number }
  | { kind: "selfRefund"; purchase: number; review: boolean }
  | { kind: "approve"; purchase: number }
  | { kind: "complete"; purchase: number; modules: number }
  | { kind: "advance"; days: number }
  | { kind: "payout" }
  | { kind: "buyDisputed"; learner: number; course: number }
  | { kind: "resolveDispute"; purchase: number; win: boolean }
  | { kind: "buyBundle"; learner: number }
  | { kind: "subscribe"; learner: number; tier: "pro" | "enterprise"; disputed: boolean };

/** Buyers at Checkout (USD prices, so tax is added on top): taxed, reverse-charged, not taxed, not collected. */
const TAXED_BUYERS: CheckoutBuyer[] = [
  { country: "US", state: "NY" },
  { country: "DE" },
  { country: "DE", business_name: "Muster GmbH", tax_id: "DE123456789" },
  { country: "US", state: "CA" },
  { country: "AU" },
  { country: "CA", state: "ON" },
  { country: "BR" },
];

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("buy" as const), learner: fc.nat(1), course: fc.nat(2), tokens: fc.oneof(fc.constant(0), fc.integer({ min: 100, max: 900 })) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("buyTaxed" as const), learner: fc.nat(1), course: fc.nat(2), buyer: fc.nat(TAXED_BUYERS.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("adminRefund" as const), purchase: fc.nat(9), shareBps: fc.oneof(fc.constant(10_000), fc.integer({ min: 1, max: 9_999 })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("selfRefund" as const), purchase: fc.nat(9), review: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("approve" as const), purchase: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("complete" as const), purchase: fc.nat(9), modules: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("advance" as const), days: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: "payout" as const }) },
  // Disputes weigh more since bundles and taxed purchases joined: every run set must still win and lose some.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("buyDisputed" as const), learner: fc.nat(1), course: fc.nat(2) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("resolveDispute" as const), purchase: fc.nat(9), win: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("buyBundle" as const), learner: fc.nat(1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("subscribe" as const), learner: fc.nat(1), tier: fc.constantFrom("pro" as const, "enterprise" as const), disputed: fc.boolean() }) },
);

const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));
const session = (user: Awaited<ReturnType<typeof insertUser>>): SessionUser => ({ ...user, sessionId: null, via: "session" });

type World = {
  admin: SessionUser;
  learners: SessionUser[];
  instructors: string[];
  accounts: string[];
  courses: Array<{ id: string; price: number; moduleIds: string[] }>;
  /** Course, bundle and subscription payments (a subscription's first invoice: `course` is unused). */
  purchases: Array<{ paymentId: string; learner: number; course: number; subscription?: boolean }>;
  /** An admin's bundle of the three courses (across both instructors), at 80 % of their list prices. */
  bundleId: string;
};

async function makeWorld(prices: number[]): Promise<World> {
  const stripe = createStripe(app());
  const instructors: string[] = [];
  const accounts: string[] = [];
  for (let i = 0; i < 2; i++) {
    const instructor = await insertUser("instructor");
    const account = await stripe.accounts.create({ type: "express", capabilities: { transfers: { requested: true } } });
    const link = await stripe.accountLinks.create({ account: account.id, type: "account_onboarding", refresh_url: "http://localhost/r", return_url: "http://localhost/d" });
    await emulator().completeOnboarding(link.url);
    await db().insert(instructorAccounts).values({ userId: instructor.id, stripeAccountId: account.id, payoutsEnabled: true, createdAt: Date.now(), updatedAt: Date.now() }).run();
    instructors.push(instructor.id);
    accounts.push(account.id);
  }
  const courses: World["courses"] = [];
  for (const [i, price] of prices.entries()) {
    const course = await insertCourse(instructors[i % 2]!, { priceAmount: price });
    const extra = [2, 3].map((position) => ({ id: createId("module"), courseId: course.id, position, title: `Lesson ${position}`, r2Key: course.key, fileName: "lesson.pdf", contentType: "application/pdf", sizeBytes: 10, createdAt: Date.now() }));
    await db().insert(courseModules).values(extra).run();
    courses.push({ id: course.id, price, moduleIds: [course.moduleId, ...extra.map((m) => m.id)] });
  }
  const learners: SessionUser[] = [];
  for (let i = 0; i < 2; i++) {
    const learner = await insertUser("student");
    await credit(learner.id, 2000);
    learners.push(session(learner));
  }
  const admin = session(await insertUser("admin"));
  const separately = prices.reduce((a, b) => a + b, 0);
  const bundle = await createBundle(app(), admin, {
    title: "Property test bundle",
    description: "Every course of the property test, at one price.",
    priceAmount: Math.max(100, Math.floor((separately * 8) / 10)),
    currency: "usd",
    courseIds: courses.map((c) => c.id),
  });
  await setBundleStatus(app(), admin, bundle.id, "published");
  return { admin, learners, instructors, accounts, courses, purchases: [], bundleId: bundle.id };
}

/** Refusals the services give by design (nothing left to refund, already decided, already enrolled...). */
const expected = (error: unknown) => error instanceof AppError && error.status < 500;

/** What the runs actually exercised (a property that never met a dispute would prove nothing about them). */
const exercised = { disputesOpened: 0, disputesWon: 0, disputesLost: 0, bundles: 0, bundleRefunds: 0, taxed: 0, taxRefunded: 0, subscriptions: 0, subscriptionRefunds: 0, subscriptionDisputesWon: 0, subscriptionDisputesLost: 0 };

async function run(world: World, step: Step, log: string[]) {
  const pick = (n: number) => world.purchases[n % world.purchases.length];
  try {
    switch (step.kind) {
      case "buy": {
        const course = world.courses[step.course]!;
        const outcome = await purchaseCourse(app(), world.learners[step.learner]!, { courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa", ...(step.tokens ? { tokens: step.tokens } : {}) });
        if (outcome.status !== "payment_started") return log.push(`buy ${step.course}: ${outcome.status}`);
        await reconcilePayment(app(), outcome.payment.paymentId);
        world.purchases.push({ paymentId: outcome.payment.paymentId, learner: step.learner, course: step.course });
        return log.push(`buy ${step.course} by ${step.learner} tokens=${step.tokens}: ${outcome.payment.amount}`);
      }
      case "buyBundle": {
        // The learner's owned courses' shares come off; everything owned is refused (409).
        const payment = await processPayment(app(), world.learners[step.learner]!, { purpose: "bundle_purchase", bundleId: world.bundleId, flow: "payment_method", paymentMethod: "pm_card_visa" });
        await reconcilePayment(app(), payment.paymentId);
        world.purchases.push({ paymentId: payment.paymentId, learner: step.learner, course: 0 });
        exercised.bundles++;
        return log.push(`buyBundle by ${step.learner}: ${payment.amount}`);
      }
      case "subscribe": {
        // A paid plan started with a card (the dispute card charges back its first invoice); the
        // invoice becomes a payment when its webhooks are handled. A learner with a plan is refused (409).
        const learner = world.learners[step.learner]!;
        await createSubscription(app(), learner, { tier: step.tier, interval: "month", flow: "payment_method", paymentMethod: step.disputed ? "pm_card_createDispute" : "pm_card_visa" });
        await syncWebhooks();
        const known = new Set(world.purchases.map((p) => p.paymentId));
        const invoice = (await db().select().from(payments).where(and(eq(payments.userId, learner.id), eq(payments.purpose, "subscription"))).all()).find((p) => !known.has(p.id));
        if (!invoice) throw new Error(`subscribe ${step.tier}: no payment recorded for the first invoice`);
        world.purchases.push({ paymentId: invoice.id, learner: step.learner, course: 0, subscription: true });
        if (step.disputed) {
          await syncWebhooks(); // the pull opened the chargeback; its events are handled here
          exercised.disputesOpened++;
        }
        exercised.subscriptions++;
        return log.push(`subscribe ${step.tier} by ${step.learner}${step.disputed ? " (dispute card)" : ""}: ${invoice.amount}`);
      }
      case "buyTaxed": {
        // Through Checkout with a billing address: Stripe Tax adds the tax (USD is tax-exclusive).
        const course = world.courses[step.course]!;
        const outcome = await purchaseCourse(app(), world.learners[step.learner]!, { courseId: course.id });
        if (outcome.status !== "payment_started" || outcome.payment.nextAction.type !== "redirect_to_checkout") return log.push(`buyTaxed ${step.course}: ${outcome.status}`);
        const done = await emulator().completeCheckout(outcome.payment.nextAction.url, TAXED_BUYERS[step.buyer]!);
        if (done.status !== 303) throw new Error(`checkout answered ${done.status}: ${await done.text()}`);
        const paid = await reconcilePayment(app(), outcome.payment.paymentId);
        world.purchases.push({ paymentId: paid.id, learner: step.learner, course: step.course });
        if (paid.taxAmount > 0) exercised.taxed++;
        return log.push(`buyTaxed ${step.course} by ${step.learner} in ${JSON.stringify(TAXED_BUYERS[step.buyer])}: ${paid.amount} (tax ${paid.taxAmount})`);
      }
      case "adminRefund": {
        const p = pick(step.purchase);
        if (!p) return;
        const row = (await db().select().from(payments).where(eq(payments.id, p.paymentId)).get())!;
        const left = row.amount - row.amountRefunded - row.amountRefundPending;
        const amount = step.shareBps === 10_000 ? undefined : Math.max(1, Math.floor((left * step.shareBps) / 10_000));
        const { refund } = await refundPayment(app(), world.admin, { paymentId: p.paymentId, amount, reason: "Property test refund" });
        return log.push(`adminRefund ${p.paymentId.slice(-4)}: ${refund.amount} ${refund.status}`);
      }
      case "selfRefund": {
        const p = pick(step.purchase);
        if (!p) return;
        const { request, created } = await requestRefund(app(), world.learners[p.learner]!, { paymentId: p.paymentId, review: step.review });
        return log.push(`selfRefund ${p.paymentId.slice(-4)}: ${created ? "" : "again, "}${request.status}${request.refusal ? ` (${request.refusal})` : ""}`);
      }
      case "approve": {
        const p = pick(step.purchase);
        if (!p) return;
        const live = await db().select().from(refundRequests).where(and(eq(refundRequests.paymentId, p.paymentId), eq(refundRequests.status, "in_review"))).get();
        if (!live) return;
        const { request } = await decideRefundRequest(app(), world.admin, { requestId: live.id, decision: "approve" });
        return log.push(`approve ${p.paymentId.slice(-4)}: ${request.status}`);
      }
      case "complete": {
        const p = pick(step.purchase);
        if (!p) return;
        const course = world.courses[p.course]!;
        for (const moduleId of course.moduleIds.slice(0, step.modules)) await completeModule(app(), world.learners[p.learner]!, course.id, moduleId);
        return log.push(`complete ${p.paymentId.slice(-4)}: ${step.modules}`);
      }
      case "advance": {
        const t = now() + step.days * DAY;
        setClock(() => t);
        return log.push(`advance ${step.days}d`);
      }
      case "payout": {
        const summary = await runPayouts(app());
        return log.push(`payout: ${JSON.stringify(summary)}`);
      }
      case "buyDisputed": {
        // Stripe's test card that ends in a fraud chargeback: the emulator opens it on the next webhook pull.
        const course = world.courses[step.course]!;
        const outcome = await purchaseCourse(app(), world.learners[step.learner]!, { courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_createDispute" });
        if (outcome.status !== "payment_started") return log.push(`buyDisputed ${step.course}: ${outcome.status}`);
        await reconcilePayment(app(), outcome.payment.paymentId);
        world.purchases.push({ paymentId: outcome.payment.paymentId, learner: step.learner, course: step.course });
        await syncWebhooks();
        await syncWebhooks();
        exercised.disputesOpened++;
        return log.push(`buyDisputed ${step.course} by ${step.learner}: ${outcome.payment.amount}`);
      }
      case "resolveDispute": {
        // One of the disputes still open (of a course or a subscription invoice), so every run set wins and loses some of each.
        const ids = world.purchases.map((x) => x.paymentId);
        const openOnes = ids.length ? await db().select().from(disputes).where(and(inArray(disputes.paymentId, ids), inArray(disputes.status, ["needs_response", "warning_needs_response"]))).orderBy(disputes.id).all() : [];
        const open = openOnes[step.purchase % Math.max(1, openOnes.length)];
        if (!open) return;
        const p = world.purchases.find((x) => x.paymentId === open.paymentId)!;
        await createStripe(app()).disputes.update(open.stripeDisputeId, { evidence: { uncategorized_text: step.win ? "winning_evidence" : "losing_evidence" }, submit: true });
        await syncWebhooks();
        exercised[step.win ? "disputesWon" : "disputesLost"]++;
        if (p.subscription) exercised[step.win ? "subscriptionDisputesWon" : "subscriptionDisputesLost"]++;
        return log.push(`resolveDispute ${p.paymentId.slice(-4)}: ${step.win ? "won" : "lost"}`);
      }
    }
  } catch (error) {
    if (expected(error)) return log.push(`${step.kind}: refused (${(error as AppError).message})`);
    throw error;
  }
}

async function check(world: World, log: string[]) {
  const ids = world.purchases.map((p) => p.paymentId);
  const stripe = createStripe(app());
  const rows = ids.length ? await db().select().from(payments).where(inArray(payments.id, ids)).all() : [];
  const refundRows = ids.length ? await db().select().from(refunds).where(inArray(refunds.paymentId, ids)).all() : [];
  const ledger = await db().select().from(instructorEarnings).where(inArray(instructorEarnings.instructorId, world.instructors)).all();
  const why = `steps:\n${log.join("\n")}`;

  const disputeRows = ids.length ? await db().select().from(disputes).where(inArray(disputes.paymentId, ids)).all() : [];
  let paid = 0;
  let refunded = 0;
  let absorbed = 0;
  let disputed = 0;
  let taxHeld = 0;
  let subscriptionRevenue = 0;
  for (const p of rows) {
    expect(p.status, why).toMatch(/^(succeeded|partially_refunded|refunded)$/);
    expect(p.amountRefundPending, why).toBe(0);
    // Stripe agrees with D1: what was charged and what was refunded.
    const intent = await stripe.paymentIntents.retrieve(p.stripePaymentIntentId!);
    expect(intent.amount_received, why).toBe(p.amount);
    const stripeRefunds = (await stripe.refunds.list({ payment_intent: p.stripePaymentIntentId!, limit: 100 })).data.filter((r) => r.status === "succeeded");
    const mine = refundRows.filter((r) => r.paymentId === p.id && r.status === "succeeded");
    expect(stripeRefunds.reduce((s, r) => s + r.amount, 0), why).toBe(p.amountRefunded);
    expect(mine.reduce((s, r) => s + r.amount, 0), why).toBe(p.amountRefunded);
    expect(p.amountRefunded, why).toBeLessThanOrEqual(p.amount);
    paid += p.amount;
    refunded += p.amountRefunded;

    // Tax: each refund carries its share, never more than the payment's tax, all of it once fully refunded.
    const taxRefunded = mine.reduce((s, r) => s + r.taxAmount, 0);
    for (const r of mine) expect(r.taxAmount, why).toBeLessThanOrEqual(r.amount);
    expect(taxRefunded, why).toBeLessThanOrEqual(p.taxAmount);
    if (p.amountRefunded === p.amount) expect(taxRefunded, why).toBe(p.taxAmount);
    if (p.amountRefunded < p.amount) expect(taxRefunded, why).toBeLessThanOrEqual(Math.floor((p.amountRefunded * p.taxAmount) / p.amount));
    if (taxRefunded > 0) exercised.taxRefunded++;
    taxHeld += p.taxAmount - taxRefunded;

    const entries = ledger.filter((e) => e.paymentId === p.id);
    if (p.purpose === "subscription") {
      const outcome = await checkSubscription(p, entries, disputeRows.find((d) => d.paymentId === p.id), why);
      disputed += outcome.disputed;
      subscriptionRevenue += outcome.kept;
      if (mine.length) exercised.subscriptionRefunds++;
      continue;
    }
    if (p.purpose === "bundle_purchase") {
      absorbed += await checkBundle(p, mine, entries, why);
      continue;
    }
    const sale = entries.find((e) => e.kind === "sale");
    // The split is of what was paid net of tax.
    expect(sale?.grossAmount, why).toBe(p.amount - p.taxAmount);
    for (const e of entries) expect(e.instructorAmount + e.platformAmount, why).toBe(e.grossAmount);
    // Each refund is reversed in the ledger exactly once, or absorbed by the platform after the hold.
    for (const r of mine) {
      const reversal = entries.filter((e) => e.refundId === r.id);
      expect(reversal.length, why).toBeLessThanOrEqual(1);
      if (reversal[0]) expect(reversal[0].grossAmount, why).toBe(-(r.amount - r.taxAmount));
      else {
        expect(r.createdAt, `${why}\nrefund ${r.id} absorbed inside the hold`).toBeGreaterThanOrEqual(sale!.availableAt);
        absorbed += r.amount - r.taxAmount;
      }
    }
    // A chargeback open or lost takes the sale's remaining net out of the ledger (frozen, or recovered
    // from later earnings when already paid out); a won one gives it back. Stripe withdrew that much.
    const dispute = disputeRows.find((d) => d.paymentId === p.id);
    const disputedNet = 0 - entries.filter((e) => e.kind === "dispute" || e.kind === "dispute_reinstated").reduce((s, e) => s + e.grossAmount, 0);
    if (dispute && ["needs_response", "under_review", "lost"].includes(dispute.status)) expect(disputedNet, why).toBe(p.amount - p.amountRefunded - (p.taxAmount - taxRefunded));
    else expect(disputedNet, why).toBe(0);
    if (dispute) expect((await stripe.disputes.retrieve(dispute.stripeDisputeId)).status, why).toBe(dispute.status);
    disputed += disputedNet;
    const net = entries.reduce((s, e) => ({ i: s.i + e.instructorAmount, p: s.p + e.platformAmount }), { i: 0, p: 0 });
    expect(net.i, why).toBeGreaterThanOrEqual(0);
    expect(net.p, why).toBeGreaterThanOrEqual(0);

    // Access matches what is still paid for.
    // (A fully refunded purchase's enrollment may since have been re-activated by a new purchase.)
    const enrollment = await db().select().from(enrollments).where(eq(enrollments.paymentId, p.id)).get();
    const access = p.amountRefunded >= p.amount || dispute?.status === "lost" ? "revoked" : dispute && ["needs_response", "under_review"].includes(dispute.status) ? "suspended" : "active";
    if (enrollment) expect(enrollment.status, why).toBe(access);
    else expect(p.amountRefunded, `${why}
${p.id} lost its enrollment`).toBe(p.amount);
  }
  // Platform revenue: its share of the ledger, less what it absorbed, plus the subscription invoices it kept (no instructor share).
  const platform = ledger.reduce((s, e) => s + e.platformAmount, 0) - absorbed + subscriptionRevenue;
  const instructor = ledger.reduce((s, e) => s + e.instructorAmount, 0);
  // Tax collected and not refunded is the state's: held apart, never revenue nor earnings.
  expect(paid - refunded - disputed, `${why}\npaid ${paid} refunded ${refunded} disputed ${disputed} platform ${platform} instructor ${instructor} tax ${taxHeld}`).toBe(platform + instructor + taxHeld);

  // Payouts: never negative, exactly the claimed earnings, and what Stripe transferred.
  for (const [i, instructorId] of world.instructors.entries()) {
    const mineOut = await db().select().from(payouts).where(eq(payouts.instructorId, instructorId)).all();
    const paidOut = mineOut.filter((o) => o.status === "paid");
    for (const o of mineOut) {
      expect(o.amount, why).toBeGreaterThanOrEqual(0);
      expect(ledger.filter((e) => e.payoutId === o.id).reduce((s, e) => s + e.instructorAmount, 0), why).toBe(o.amount);
    }
    const transfers = (await stripe.transfers.list({ destination: world.accounts[i]!, limit: 100 })).data;
    expect(transfers.reduce((s, t) => s + t.amount, 0), why).toBe(paidOut.reduce((s, o) => s + o.amount, 0));
    // Unpaid earnings go below zero only by a recovery carried forward: a dispute of a sale already paid out.
    const unpaidEntries = ledger.filter((e) => e.instructorId === instructorId && !e.payoutId);
    const unpaid = unpaidEntries.reduce((s, e) => s + e.instructorAmount, 0);
    const recovering = unpaidEntries.filter((e) => e.kind === "dispute").reduce((s, e) => s + e.instructorAmount, 0);
    expect(unpaid, why).toBeGreaterThanOrEqual(recovering);
  }

  // Token holds are all settled (captured with the payment, nothing left held).
  for (const learner of world.learners) {
    const s = await wallet(learner.id).snapshot({ userId: learner.id, at: now(), timeZone: "UTC" });
    expect(s.held, why).toBe(0);
    expect(s.balance, why).toBeGreaterThanOrEqual(0);
  }

  // Every granted or approved request made exactly one refund; one live request per payment.
  const requests = ids.length ? await db().select().from(refundRequests).where(inArray(refundRequests.paymentId, ids)).all() : [];
  for (const r of requests.filter((x) => x.status === "granted" || x.status === "approved")) {
    expect(refundRows.filter((x) => x.id === r.refundId), why).toHaveLength(1);
  }
  expect(new Set(requests.filter((r) => r.status !== "failed").map((r) => r.paymentId)).size, why).toBe(requests.filter((r) => r.status !== "failed").length);
}

/**
 * A subscription invoice: the platform's alone (no ledger entry, no instructor share). A refund
 * keeps the tier (subscriptions.md); a chargeback open or lost takes what the refunds left
 * (Stripe withdrew it) and drops the tier at once; lost also cancels the subscription in Stripe;
 * won gives it back. Returns what the platform kept and what the dispute took.
 */
async function checkSubscription(p: typeof payments.$inferSelect, entries: (typeof instructorEarnings.$inferSelect)[], dispute: typeof disputes.$inferSelect | undefined, why: string) {
  expect(entries, why).toHaveLength(0);
  const sub = (await db().select().from(subscriptions).where(eq(subscriptions.id, p.purposeRef)).get())!;
  expect(sub, why).toBeDefined();
  const remote = await createStripe(app()).subscriptions.retrieve(sub.stripeSubscriptionId);
  const taken = dispute && ["needs_response", "under_review", "lost"].includes(dispute.status) ? p.amount - p.amountRefunded : 0;
  if (dispute) expect(dispute.amount, why).toBe(p.amount);
  const entitlement = await getEntitlement(app(), p.userId);
  if (taken > 0) {
    // The disputed subscription gives no tier (the learner has at most one plan in these runs).
    expect(sub.disputeId, why).not.toBeNull();
    expect(entitlement.tier, why).toBe("free");
    if (dispute!.status === "lost") expect(remote.status, why).toBe("canceled");
  } else if (sub.status === "active" && sub.currentPeriodEnd > now() && !sub.disputeId) {
    expect(entitlement.tier, why).toBe(sub.tier);
  }
  if (dispute?.status === "won") expect(sub.disputeId, why).toBeNull();
  return { disputed: taken, kept: p.amount - p.amountRefunded - taken };
}

/**
 * A bundle payment: one sale per course it granted, adding up to what was paid less any overlap
 * refund; each refund's reversals (one per course, inside the hold) add up to at most the refund, the
 * rest absorbed by the platform only after the hold; per course the ledger never goes below zero;
 * access per course matches what is left of that course's share. Returns what the platform absorbed.
 */
async function checkBundle(p: typeof payments.$inferSelect, mine: (typeof refunds.$inferSelect)[], entries: (typeof instructorEarnings.$inferSelect)[], why: string) {
  const items = await db().select().from(bundlePurchaseItems).where(eq(bundlePurchaseItems.paymentId, p.id)).all();
  const parts = await db().select().from(bundleRefundParts).where(eq(bundleRefundParts.paymentId, p.id)).all();
  expect(items.reduce((s, i) => s + i.share, 0), why).toBe(p.amount);
  const overlap = parts.filter((x) => x.kind === "overlap").reduce((s, x) => s + x.amount, 0);
  const sales = entries.filter((e) => e.kind === "sale");
  expect(sales.reduce((s, e) => s + e.grossAmount, 0), why).toBe(p.amount - overlap);
  for (const e of entries) expect(e.instructorAmount + e.platformAmount, why).toBe(e.grossAmount);
  expect(parts.reduce((s, x) => s + x.amount, 0), why).toBe(p.amountRefunded);
  let absorbed = 0;
  for (const r of mine) {
    if (parts.some((x) => x.refundId === r.id && x.kind === "overlap")) continue;
    exercised.bundleRefunds++;
    const reversed = -entries.filter((e) => e.refundId === r.id).reduce((s, e) => s + e.grossAmount, 0);
    expect(reversed, why).toBeLessThanOrEqual(r.amount);
    if (reversed < r.amount) {
      expect(r.createdAt, `${why}\nbundle refund ${r.id} absorbed inside the hold`).toBeGreaterThanOrEqual(Math.min(...sales.map((x) => x.availableAt)));
      absorbed += r.amount - reversed;
    }
  }
  for (const item of items.filter((i) => i.outcome === "granted")) {
    const course = entries.filter((e) => e.courseId === item.courseId);
    expect(course.reduce((s, e) => s + e.instructorAmount, 0), why).toBeGreaterThanOrEqual(0);
    expect(course.reduce((s, e) => s + e.platformAmount, 0), why).toBeGreaterThanOrEqual(0);
    const left = item.share - parts.filter((x) => x.courseId === item.courseId).reduce((s, x) => s + x.amount, 0);
    const enrollment = await db().select().from(enrollments).where(and(eq(enrollments.paymentId, p.id), eq(enrollments.courseId, item.courseId))).get();
    if (enrollment) expect(enrollment.status, why).toBe(left <= 0 || p.amountRefunded >= p.amount ? "revoked" : "active");
  }
  return absorbed;
}

afterEach(() => resetClock());

describe("money conservation (property)", () => {
  it(`holds over random purchase, refund, dispute, progress, time and payout sequences (fast-check seed ${SEED}, ${NUM_RUNS} runs)`, async () => {
    console.info(`money-conservation: fast-check seed ${SEED}, numRuns ${NUM_RUNS}`);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 100, max: 20_000 }), { minLength: 3, maxLength: 3 }), fc.array(stepArb, { minLength: 6, maxLength: 14 }), async (prices, steps) => {
        resetClock();
        const world = await makeWorld(prices);
        const log: string[] = [`prices ${prices.join(", ")}`];
        for (const step of steps) await run(world, step, log);
        // Stripe's webhooks for everything above, through the real endpoint and queue: the same
        // reconciliation again, which must change nothing (once per event, guarded effects).
        await syncWebhooks();
        await check(world, log);
      }),
      { seed: SEED, numRuns: NUM_RUNS, endOnFailure: true },
    );
    console.info(`money-conservation: exercised ${JSON.stringify(exercised)}`);
    expect(exercised.disputesOpened).toBeGreaterThan(0);
    expect(exercised.disputesWon).toBeGreaterThan(0);
    expect(exercised.disputesLost).toBeGreaterThan(0);
    expect(exercised.bundles).toBeGreaterThan(0);
    expect(exercised.bundleRefunds).toBeGreaterThan(0);
    expect(exercised.taxed).toBeGreaterThan(0);
    expect(exercised.taxRefunded).toBeGreaterThan(0);
    expect(exercised.subscriptions).toBeGreaterThan(0);
    expect(exercised.subscriptionRefunds).toBeGreaterThan(0);
    expect(exercised.subscriptionDisputesWon + exercised.subscriptionDisputesLost).toBeGreaterThan(0);
  }, 300_000);
});

import { env, createScheduledController } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker, { createAppContext } from "../../workers/app";
import { earningsSummary, entriesForPayment } from "~/modules/marketplace/earnings.server";
import { runPayouts, type TransferFn } from "~/modules/marketplace/payouts.server";
import { coursePurchasePurpose } from "~/modules/marketplace/purchase.server";
import { createStripe } from "~/modules/payments/stripe.server";
import { DAY, setClock } from "~/utils/clock";
import { createId } from "~/utils/ids";
import { auditLog, instructorAccounts, payouts } from "~drizzle/schema";
import { db, insertUser, signedInAs } from "../helpers";
import { emulator } from "../payments/helpers";
import { insertCourse } from "./helpers";

const ctx = { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext;
const app = () => createAppContext(env, ctx, createId("request"));

/** An instructor with an onboarded Connect account in the emulator, and one sold course. */
async function instructorWithSale(amount = 10_000) {
  const instructor = await insertUser("instructor");
  const stripe = createStripe(app());
  const account = await stripe.accounts.create({ type: "express", capabilities: { transfers: { requested: true } } });
  const link = await stripe.accountLinks.create({ account: account.id, type: "account_onboarding", refresh_url: "http://localhost/r", return_url: "http://localhost/d" });
  await emulator().completeOnboarding(link.url);
  await db().insert(instructorAccounts).values({ userId: instructor.id, stripeAccountId: account.id, payoutsEnabled: true, createdAt: Date.now(), updatedAt: Date.now() }).run();
  const course = await insertCourse(instructor.id, { priceAmount: amount });
  const learner = await insertUser("student");
  const paymentId = createId("payment");
  // The learner's payment, so the platform has the funds a transfer needs (Stripe refuses a
  // transfer above the available balance with balance_insufficient).
  await stripe.paymentIntents.create({ amount, currency: "usd", payment_method: "pm_card_visa", confirm: true });
  await coursePurchasePurpose.fulfil(app(), { id: paymentId, userId: learner.id, purpose: "course_purchase", purposeRef: course.id, amount, currency: "usd", amountRefunded: 0, metadata: {} });
  return { instructor, account, course, paymentId, stripe };
}

describe("payouts", () => {
  it("earnings are pending for 30 days, then paid once by a Connect transfer, audited", async () => {
    const { instructor, account, paymentId, stripe } = await instructorWithSale(10_000);
    let summary = await earningsSummary(app(), instructor.id);
    expect(summary.totals).toEqual([{ currency: "usd", pending: 7000, available: 0, paid: 0 }]);

    // Inside the hold: nothing is paid.
    expect((await runPayouts(app())).created).toBe(0);

    const later = Date.now() + 30 * DAY + 1000;
    setClock(() => later);
    summary = await earningsSummary(app(), instructor.id);
    expect(summary.totals[0]).toMatchObject({ pending: 0, available: 7000, paid: 0 });

    // Through the real cron entry point.
    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: later }), env, ctx);
    const rows = await db().select().from(payouts).where(eq(payouts.instructorId, instructor.id)).all();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amount: 7000, currency: "usd", status: "paid", stripeAccountId: account.id });
    const transfers = await stripe.transfers.list({ destination: account.id });
    expect(transfers.data.map((t) => [t.amount, t.metadata.payoutId])).toEqual([[7000, rows[0]!.id]]);
    expect((await entriesForPayment(app(), paymentId))[0]!.payoutId).toBe(rows[0]!.id);
    summary = await earningsSummary(app(), instructor.id);
    expect(summary.totals[0]).toMatchObject({ pending: 0, available: 0, paid: 7000 });
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.targetId, rows[0]!.id))).all();
    expect(audit.map((a) => a.action).sort()).toEqual(["payout.created", "payout.paid"]);

    // Running again pays nothing more.
    expect(await runPayouts(app())).toMatchObject({ created: 0, paid: 0 });
    expect((await stripe.transfers.list({ destination: account.id })).data).toHaveLength(1);
  });

  it("a failed transfer is retried with the same payout (idempotency key), never doubled", async () => {
    const { instructor, account, stripe } = await instructorWithSale(2000);
    setClock(() => Date.now() + 31 * DAY);
    const failing: TransferFn = async () => {
      throw new Error("Stripe is down");
    };
    expect(await runPayouts(app(), failing)).toMatchObject({ created: 1, failed: 1 });
    let [row] = await db().select().from(payouts).where(eq(payouts.instructorId, instructor.id)).all();
    expect(row).toMatchObject({ status: "failed", attempts: 1, amount: 1400 });
    expect((await earningsSummary(app(), instructor.id)).totals[0]).toMatchObject({ available: 1400, paid: 0 });

    expect(await runPayouts(app())).toMatchObject({ created: 0, paid: 1 });
    expect(await runPayouts(app())).toMatchObject({ created: 0, paid: 0 });
    [row] = await db().select().from(payouts).where(eq(payouts.instructorId, instructor.id)).all();
    expect(row).toMatchObject({ status: "paid", attempts: 2 });
    expect((await stripe.transfers.list({ destination: account.id })).data).toHaveLength(1);
  });

  it("a transfer Stripe refuses for lack of platform balance fails with Stripe's reason, then is paid once funds arrive", async () => {
    const { instructor, account, stripe } = await instructorWithSale(2000);
    // A second sale recorded without a Stripe payment: the earnings now exceed the platform's funds.
    const usd = async () => (await stripe.balance.retrieve()).available.find((b) => b.currency === "usd")?.amount ?? 0;
    const course = await insertCourse(instructor.id, { priceAmount: Math.ceil((await usd()) / 0.7) + 1000 });
    const learner = await insertUser("student");
    await coursePurchasePurpose.fulfil(app(), { id: createId("payment"), userId: learner.id, purpose: "course_purchase", purposeRef: course.id, amount: course.priceAmount, currency: "usd", amountRefunded: 0, metadata: {} });
    setClock(() => Date.now() + 31 * DAY);

    expect(await runPayouts(app())).toMatchObject({ created: 1, failed: 1 });
    let [row] = await db().select().from(payouts).where(eq(payouts.instructorId, instructor.id)).all();
    expect(row).toMatchObject({ status: "failed", attempts: 1 });
    expect(row!.failureMessage).toContain("insufficient available funds");
    expect((await stripe.transfers.list({ destination: account.id })).data).toHaveLength(0);

    // Funds arrive (more sales); the next run pays the same payout once.
    await stripe.paymentIntents.create({ amount: row!.amount - (await usd()) + 100, currency: "usd", payment_method: "pm_card_visa", confirm: true });
    expect(await runPayouts(app())).toMatchObject({ created: 0, paid: 1 });
    [row] = await db().select().from(payouts).where(eq(payouts.instructorId, instructor.id)).all();
    expect(row).toMatchObject({ status: "paid", attempts: 2 });
    expect((await stripe.transfers.list({ destination: account.id })).data.map((t) => t.amount)).toEqual([row!.amount]);
  });

  it("skips instructors without a payouts-enabled account and leaves refunded sales out", async () => {
    const instructor = await insertUser("instructor");
    const course = await insertCourse(instructor.id, { priceAmount: 3000 });
    const learner = await insertUser("student");
    await coursePurchasePurpose.fulfil(app(), { id: createId("payment"), userId: learner.id, purpose: "course_purchase", purposeRef: course.id, amount: 3000, currency: "usd", amountRefunded: 0, metadata: {} });
    setClock(() => Date.now() + 31 * DAY);
    await runPayouts(app());
    expect(await db().select().from(payouts).where(eq(payouts.instructorId, instructor.id)).all()).toEqual([]);
    expect((await earningsSummary(app(), instructor.id)).totals[0]).toMatchObject({ available: 2100 });
  });

  it("GET /api/instructor/earnings is the caller's own summary", async () => {
    const { browser, user } = await signedInAs("instructor");
    const course = await insertCourse(user.id, { priceAmount: 1000 });
    const learner = await insertUser("student");
    await coursePurchasePurpose.fulfil(app(), { id: createId("payment"), userId: learner.id, purpose: "course_purchase", purposeRef: course.id, amount: 1000, currency: "usd", amountRefunded: 0, metadata: {} });
    const res = await browser.json("/api/instructor/earnings");
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual([{ currency: "usd", pending: 700, available: 0, paid: 0 }]);
    expect(res.body.perCourse[0]).toMatchObject({ courseId: course.id, sales: 1, pending: 700 });
    expect(res.body.perMonth).toHaveLength(1);
    const page = await browser.fetch("/instructor");
    expect(await page.text()).toContain("$7.00");
  });
});

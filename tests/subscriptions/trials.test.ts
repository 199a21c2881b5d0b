// Free trials end to end through the app: POST /api/subscriptions/create with trial, the Stripe
// emulator on a test clock, signed webhooks through the queue, the cron handler and D1.
import { eq } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { payments, subscriptionStarts, trialClaims } from "~drizzle/schema";
import { db, jsonBody } from "../helpers";
import { clockedLearner, emulator, historyFor, invoicesOf, mailFor, rowFor, runCron, stripe, syncWebhooks, waitForMail, type Learner } from "./helpers";

beforeAll(async () => {
  await emulator().reset();
});

beforeEach(async () => {
  await emulator().clearFaults();
  await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
});

const startTrial = (learner: Learner, card?: string) =>
  learner.browser.json("/api/subscriptions/create", jsonBody(card ? { tier: "pro", interval: "month", trial: true, flow: "payment_method", paymentMethod: card } : { tier: "pro", interval: "month", trial: true, flow: "no_card" }));
const paymentsOf = (userId: string) => db().select().from(payments).where(eq(payments.userId, userId)).all();
const isReminder = (subject: string) => /free trial ends on/.test(subject);

describe("free trials", () => {
  it("starts without a card, unlocks Pro, reminds once three days before, then ends with nothing charged (policy: cancel)", async () => {
    const learner = await clockedLearner();
    const started = await startTrial(learner);
    expect(started.status).toBe(201);
    expect(started.body.status).toBe("trialing");
    expect(started.body.subscription).toMatchObject({ tier: "pro", status: "trialing", trial: { hasPaymentMethod: false, atEnd: "cancel" } });
    expect(started.body.subscription.trial.endsAt).toBe((learner.now + 14 * 86_400) * 1000);
    // Trialing users have the plan's features.
    expect((await learner.browser.json("/api/certificates")).status).toBe(200);
    const billing = await learner.browser.fetch("/account/billing");
    const html = await billing.text();
    expect(html).toContain("Free trial ends");
    expect(html).toContain("No card on file");
    expect(html).toContain("Nothing is charged: without a card your Pro trial ends and you move to Free.");

    await learner.advance(10);
    await syncWebhooks();
    expect((await mailFor(learner.user.email)).filter((m) => isReminder(m.subject))).toHaveLength(0);
    await learner.advance(1.5);
    const delivered = await syncWebhooks();
    const willEnd = delivered.find((d) => d.type === "customer.subscription.trial_will_end");
    expect(willEnd?.status).toBe(200);
    const [reminder] = await waitForMail(learner.user.email, 1, isReminder);
    expect(reminder!.subject).toContain("Coursemint Pro (monthly)");
    // The same event again (Stripe redelivers) sends no second reminder.
    await emulator().resend(willEnd!.event_id, 2);
    await syncWebhooks();
    await runCron(learner.now * 1000);

    await learner.advance(3);
    await syncWebhooks();
    expect((await rowFor(learner.user.id))[0]).toMatchObject({ status: "canceled" });
    await learner.relogin();
    expect((await learner.browser.json("/api/subscriptions/current")).body.tier).toBe("free");
    expect((await learner.browser.json("/api/certificates")).status).toBe(403);
    expect((await mailFor(learner.user.email)).filter((m) => isReminder(m.subject))).toHaveLength(1);
    expect((await invoicesOf(learner.customer.id)).map((i) => i.amount_paid)).toEqual([0]);
    expect(await paymentsOf(learner.user.id)).toHaveLength(0);
    // One trial per account: a second is refused in words.
    const again = await startTrial(learner);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain("already had a free trial");
  });

  it("with a card converts at the end: the first period is charged and recorded on the renewal path", async () => {
    const learner = await clockedLearner();
    const started = await startTrial(learner, "pm_card_mastercard");
    expect(started.status).toBe(201);
    expect(started.body.subscription.trial).toMatchObject({ hasPaymentMethod: true, atEnd: "charge" });
    expect(await paymentsOf(learner.user.id)).toHaveLength(0);
    await learner.advance(12);
    await syncWebhooks();
    await waitForMail(learner.user.email, 1, isReminder);
    await learner.advance(3);
    await syncWebhooks();
    await runCron(learner.now * 1000);
    expect((await rowFor(learner.user.id))[0]).toMatchObject({ status: "active", tier: "pro" });
    const paid = await paymentsOf(learner.user.id);
    expect(paid.map((p) => [p.amount, p.status, p.description])).toEqual([[1500, "succeeded", "Coursemint Pro (monthly) — first payment after the free trial"]]);
    expect((await historyFor(learner.user.id)).map((h) => h.kind)).toEqual(["created", "trial_converted"]);
  });

  it("cancelling during the trial charges nothing, now or at the end", async () => {
    const learner = await clockedLearner();
    expect((await startTrial(learner, "pm_card_visa_debit")).status).toBe(201);
    const canceled = await learner.browser.json("/api/subscriptions/cancel", jsonBody({}));
    expect(canceled.body).toMatchObject({ status: "trialing", cancelAtPeriodEnd: true });
    await learner.advance(20);
    await syncWebhooks();
    expect((await rowFor(learner.user.id))[0]).toMatchObject({ status: "canceled" });
    expect((await invoicesOf(learner.customer.id)).map((i) => i.amount_paid)).toEqual([0]);
    expect(await paymentsOf(learner.user.id)).toHaveLength(0);
    expect((await mailFor(learner.user.email)).filter((m) => isReminder(m.subject))).toHaveLength(0);
  });

  it("two trial starts at once by one account give one trial", async () => {
    const learner = await clockedLearner();
    const results = await Promise.all([startTrial(learner), startTrial(learner), startTrial(learner)]);
    for (const r of results) expect([201, 409]).toContain(r.status);
    expect(results.some((r) => r.status === 201)).toBe(true);
    const subs = await stripe().subscriptions.list({ customer: learner.customer.id, status: "all" });
    expect(subs.data).toHaveLength(1);
    expect(await db().select().from(trialClaims).where(eq(trialClaims.userId, learner.user.id)).all()).toHaveLength(1);
    expect(await rowFor(learner.user.id)).toHaveLength(1);
  });

  it("one trial per card: two accounts with the same card at once give one trial, the other is told why", async () => {
    const [a, b] = [await clockedLearner(), await clockedLearner()];
    const [ra, rb] = await Promise.all([startTrial(a, "pm_card_amex"), startTrial(b, "pm_card_amex")]);
    expect([ra.status, rb.status].sort()).toEqual([201, 409]);
    const refused = ra.status === 409 ? ra : rb;
    expect(refused.body.error.message).toBe("This card has already been used for a free trial. Free trials are one per person; choose a plan to subscribe.");
    const loser = ra.status === 409 ? a : b;
    expect(await rowFor(loser.user.id)).toHaveLength(0);
    expect((await db().select().from(subscriptionStarts).where(eq(subscriptionStarts.userId, loser.user.id)).all()).map((s) => s.status)).toEqual(["canceled"]);
    const claims = (await db().select().from(trialClaims).all()).filter((c) => c.userId === a.user.id || c.userId === b.user.id);
    expect(claims).toHaveLength(1);
    // The refused account has not used its trial: it may still start one without a card.
    expect((await startTrial(loser)).status).toBe(201);
  });

  it("validates trial input: no trial on Enterprise, no card-less start without trial, no Checkout trial", async () => {
    const learner = await clockedLearner();
    const enterprise = await learner.browser.json("/api/subscriptions/create", jsonBody({ tier: "enterprise", trial: true, flow: "no_card" }));
    expect([enterprise.status, enterprise.body.error.message]).toEqual([400, "Enterprise has no free trial."]);
    expect((await learner.browser.json("/api/subscriptions/create", jsonBody({ tier: "pro", flow: "no_card" }))).status).toBe(400);
    expect((await learner.browser.json("/api/subscriptions/create", jsonBody({ tier: "pro", trial: true }))).status).toBe(400);
    expect(await db().select().from(trialClaims).where(eq(trialClaims.userId, learner.user.id)).all()).toHaveLength(0);
  });
});

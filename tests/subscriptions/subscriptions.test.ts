import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tierDiscountBps } from "~/modules/subscriptions/entitlements.server";
import { resolvePrice } from "~/modules/subscriptions/pricing.server";
import { TIERS } from "~/modules/subscriptions/tiers";
import { auditLog, payments } from "~drizzle/schema";
import { drainEmails } from "../email/helpers";
import { db, insertUser, jsonBody, signedInAs } from "../helpers";
import { clockedLearner, DAY_S, emulator, historyFor, invoicesOf, mailFor, put, rowFor, runCron, stripe, subscribe, syncWebhooks, waitForMail } from "./helpers";

const appStub = { db: db() } as never;
const priceStub = { config: { APP_ENV: "test" }, logger: { error() {} } } as never;

beforeAll(async () => {
  await emulator().reset();
});

beforeEach(async () => {
  await emulator().clearFaults();
  await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
});

describe("creating a subscription", () => {
  it.each([
    ["pro", "month", 1500],
    ["pro", "year", 15000],
    ["enterprise", "month", 4900],
    ["enterprise", "year", 49000],
  ] as const)("creates %s (%s) with a card, charges %i and records the invoice", async (tier, interval, amount) => {
    const learner = await clockedLearner();
    const res = await subscribe(learner, tier, interval);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "active", subscription: { tier, interval, status: "active", amount, cancelAtPeriodEnd: false } });
    const [row] = await rowFor(learner.user.id);
    expect(row).toMatchObject({ tier, interval, status: "active", amount, currency: "usd" });
    expect(row!.currentPeriodEnd).toBeGreaterThan(row!.currentPeriodStart);
    const [invoice] = await invoicesOf(learner.customer.id);
    expect(invoice).toMatchObject({ amount_paid: amount, billing_reason: "subscription_create" });
    const paid = await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all();
    expect(paid).toEqual([expect.objectContaining({ purpose: "subscription", purposeRef: row!.id, amount, status: "succeeded" })]);
    const [receipt] = await waitForMail(learner.user.email, 1);
    expect(receipt!.subject).toContain(TIERS[tier].name);
    const current = await learner.browser.json("/api/subscriptions/current");
    expect(current.body).toMatchObject({ tier, status: "active", renewsAt: row!.currentPeriodEnd, features: [...TIERS[tier].features] });
    // The webhooks for what we already mirrored change nothing and send no second email.
    await syncWebhooks();
    expect(await rowFor(learner.user.id)).toHaveLength(1);
    expect((await historyFor(learner.user.id)).map((h) => h.kind)).toEqual(["created"]);
    expect(await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all()).toHaveLength(1);
    expect(await mailFor(learner.user.email)).toHaveLength(1);
  });

  it("declines a failing card with 402 and leaves the user on Free", async () => {
    const learner = await clockedLearner();
    const res = await subscribe(learner, "pro", "month", "pm_card_chargeDeclinedInsufficientFunds");
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ code: "payment_required" });
    await syncWebhooks();
    expect((await learner.browser.json("/api/subscriptions/current")).body).toMatchObject({ tier: "free" });
  });

  it("subscribes through Checkout: the webhook creates the subscription and sends the receipt", async () => {
    const { user, browser } = await signedInAs("student");
    const res = await browser.json("/api/subscriptions/create", jsonBody({ tier: "pro", interval: "month" }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "requires_action", nextAction: { type: "redirect_to_checkout" } });
    const paid = await emulator().completeCheckout(res.body.nextAction.url);
    expect(paid.status).toBe(303);
    expect(paid.headers.get("Location")).toContain("/account/billing?checkout=success");
    await syncWebhooks();
    const [row] = await rowFor(user.id);
    expect(row).toMatchObject({ tier: "pro", interval: "month", status: "active" });
    expect((await browser.json("/api/subscriptions/current")).body.tier).toBe("pro");
    const paidRows = await db().select().from(payments).where(eq(payments.userId, user.id)).all();
    expect(paidRows).toEqual([expect.objectContaining({ amount: 1500, purpose: "subscription" })]);
    await waitForMail(user.email, 1, (s) => s.includes("Pro"));
  });

  it("refuses a second subscription and validates input", async () => {
    const learner = await clockedLearner();
    expect((await subscribe(learner, "pro")).status).toBe(201);
    const again = await subscribe(learner, "enterprise");
    expect(again.status).toBe(409);
    const bad = await learner.browser.json("/api/subscriptions/create", jsonBody({ tier: "gold" }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fieldErrors.tier).toBeDefined();
  });
});

describe("feature access", () => {
  it("gates features for every tier: 403 feature_locked with an upgrade hint, discounts from the tier config", async () => {
    const free = await signedInAs("student");
    const locked = await free.browser.json("/api/certificates");
    expect(locked.status).toBe(403);
    expect(locked.body.error).toMatchObject({ code: "feature_locked", details: { feature: "certificates", currentTier: "free", requiredTier: "pro", upgradeUrl: "/pricing?feature=certificates" } });
    expect(await tierDiscountBps(appStub, free.user.id)).toBe(0);
    expect((await free.browser.json("/api/subscriptions/current")).body).toMatchObject({ tier: "free", features: [], limits: { courseDiscountBps: 0 } });

    const pro = await clockedLearner();
    await subscribe(pro, "pro");
    expect((await pro.browser.json("/api/certificates")).status).toBe(200);
    expect(await tierDiscountBps(appStub, pro.user.id)).toBe(2000);

    const ent = await clockedLearner();
    await subscribe(ent, "enterprise");
    expect((await ent.browser.json("/api/certificates")).status).toBe(200);
    expect(await tierDiscountBps(appStub, ent.user.id)).toBe(3000);
    expect((await ent.browser.json("/api/subscriptions/current")).body.features).toEqual(expect.arrayContaining(["team_seats", "white_label"]));
  });
});

describe("changing plans", () => {
  it("upgrades now and charges exactly the previewed proration", async () => {
    const learner = await clockedLearner();
    await subscribe(learner, "pro");
    await learner.advance(10);
    const preview = await learner.browser.json("/api/subscriptions/update", put({ tier: "enterprise", interval: "month", preview: true }));
    expect(preview.status).toBe(200);
    const p = preview.body.preview;
    expect(p).toMatchObject({ kind: "upgrade", effective: "immediate", currency: "usd" });
    expect(p.amountDue).toBeGreaterThan(0);
    expect(p.amountDue).toBeLessThan(4900 - 1500);
    expect(p.lines.reduce((s: number, l: { amount: number }) => s + l.amount, 0)).toBe(p.amountDue);
    // Lines read as on an invoice: dates in words, never ISO ("after 2026-12-07").
    for (const line of p.lines as { description: string }[]) {
      expect(line.description).toMatch(/(after|from) [A-Z][a-z]+ \d{1,2}, \d{4}$/);
      expect(line.description).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    }
    // Time passes between preview and confirmation; the preview's prorationDate pins the price.
    const done = await learner.browser.json("/api/subscriptions/update", put({ tier: "enterprise", interval: "month", prorationDate: p.prorationDate }));
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ applied: true, charged: { amount: p.amountDue }, subscription: { tier: "enterprise" } });
    const invoice = (await invoicesOf(learner.customer.id)).find((i) => i.id === done.body.charged.invoiceId)!;
    expect(invoice).toMatchObject({ amount_paid: p.amountDue, billing_reason: "subscription_update", status: "paid" });
    expect(invoice.lines.data.map((l) => l.amount)).toEqual(p.lines.map((l: { amount: number }) => l.amount));
    expect((await rowFor(learner.user.id))[0]).toMatchObject({ tier: "enterprise", amount: 4900 });
    const paid = await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all();
    expect(paid.map((x) => x.amount).sort((a, b) => a - b)).toEqual([p.amountDue, 1500].sort((a, b) => a - b));
    await syncWebhooks();
    expect((await rowFor(learner.user.id))[0]).toMatchObject({ tier: "enterprise", status: "active" });
    expect((await historyFor(learner.user.id)).map((h) => h.kind)).toEqual(["created", "upgraded"]);
  });

  it("downgrades at period end: no charge now, old tier kept, new price from the renewal", async () => {
    const learner = await clockedLearner();
    await subscribe(learner, "enterprise");
    await learner.advance(5);
    const res = await learner.browser.json("/api/subscriptions/update", put({ tier: "pro", interval: "month" }));
    expect(res.status).toBe(200);
    expect(res.body.preview).toMatchObject({ kind: "downgrade", effective: "period_end", amountDue: 0, nextRenewal: { amount: 1500 } });
    expect(res.body.charged).toBeNull();
    await syncWebhooks();
    const [row] = await rowFor(learner.user.id);
    expect(row).toMatchObject({ tier: "enterprise", pendingTier: "pro", pendingInterval: "month" });
    expect((await learner.browser.json("/api/subscriptions/current")).body).toMatchObject({ tier: "enterprise", pendingChange: { tier: "pro", effectiveAt: row!.currentPeriodEnd } });
    expect(await invoicesOf(learner.customer.id)).toHaveLength(1);
    await learner.advance(30);
    await syncWebhooks();
    const [after] = await rowFor(learner.user.id);
    expect(after).toMatchObject({ tier: "pro", pendingTier: null, status: "active", amount: 1500 });
    const renewal = (await invoicesOf(learner.customer.id)).find((i) => i.billing_reason === "subscription_cycle")!;
    expect(renewal.amount_paid).toBe(1500);
    expect((await historyFor(learner.user.id)).map((h) => h.kind)).toEqual(["created", "downgrade_scheduled", "downgraded"]);
    await waitForMail(learner.user.email, 1, (s) => s.includes("renewed"));
  });

  it("switches the billing interval monthly → yearly, charging the previewed amount", async () => {
    const learner = await clockedLearner();
    await subscribe(learner, "pro");
    await learner.advance(12);
    const preview = (await learner.browser.json("/api/subscriptions/update", put({ tier: "pro", interval: "year", preview: true }))).body.preview;
    expect(preview).toMatchObject({ kind: "interval_switch", effective: "immediate" });
    const credit = preview.lines[0].amount;
    expect(credit).toBeLessThan(0);
    expect(preview.amountDue).toBe(15000 + credit);
    const done = await learner.browser.json("/api/subscriptions/update", put({ tier: "pro", interval: "year", prorationDate: preview.prorationDate }));
    expect(done.body.charged.amount).toBe(preview.amountDue);
    const [row] = await rowFor(learner.user.id);
    expect(row).toMatchObject({ tier: "pro", interval: "year", amount: 15000 });
    expect(row!.currentPeriodEnd - row!.currentPeriodStart).toBeGreaterThanOrEqual(365 * DAY_S * 1000);
    const invoice = (await invoicesOf(learner.customer.id)).find((i) => i.id === done.body.charged.invoiceId)!;
    expect(invoice.amount_paid).toBe(preview.amountDue);
  });

  it("refuses changes that make no sense", async () => {
    const learner = await clockedLearner();
    expect((await learner.browser.json("/api/subscriptions/update", put({ tier: "pro", interval: "month" }))).status).toBe(404);
    await subscribe(learner, "pro");
    expect((await learner.browser.json("/api/subscriptions/update", put({ tier: "pro", interval: "month" }))).status).toBe(409);
    const expired = await learner.browser.json("/api/subscriptions/update", put({ tier: "enterprise", interval: "month", prorationDate: learner.now - 3 * 3600 }));
    expect(expired.status).toBe(422);
  });
});

describe("cancel and resume", () => {
  it("cancels at period end keeping access, resumes, and ends at period end back on Free", async () => {
    const learner = await clockedLearner();
    await subscribe(learner, "pro");
    const canceled = await learner.browser.json("/api/subscriptions/cancel", jsonBody({}));
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ tier: "pro", cancelAtPeriodEnd: true, renewsAt: null });
    expect(canceled.body.accessEndsAt).toBe((await rowFor(learner.user.id))[0]!.currentPeriodEnd);
    expect((await learner.browser.json("/api/certificates")).status).toBe(200);
    const resumed = await learner.browser.json("/api/subscriptions/resume", { method: "POST" });
    expect(resumed.body).toMatchObject({ tier: "pro", cancelAtPeriodEnd: false });
    await learner.browser.json("/api/subscriptions/cancel", jsonBody({}));
    await syncWebhooks();
    expect((await rowFor(learner.user.id))[0]).toMatchObject({ cancelAtPeriodEnd: true, status: "active" });
    await learner.advance(32);
    await syncWebhooks();
    expect((await rowFor(learner.user.id))[0]).toMatchObject({ status: "canceled" });
    await learner.relogin();
    expect((await learner.browser.json("/api/subscriptions/current")).body.tier).toBe("free");
    expect((await learner.browser.json("/api/certificates")).status).toBe(403);
    expect((await historyFor(learner.user.id)).map((h) => h.kind)).toEqual(["created", "cancel_scheduled", "resumed", "cancel_scheduled", "canceled"]);
    expect((await invoicesOf(learner.customer.id)).filter((i) => i.billing_reason === "subscription_cycle")).toHaveLength(0);
    // Each change was emailed once (the receipt first), in words with its date, though webhooks repeated them.
    const mails = await waitForMail(learner.user.email, 5);
    expect(mails.map((m) => m.subject)).toEqual([
      expect.stringContaining("receipt"),
      expect.stringMatching(/^Your Pro \(monthly\) subscription ends on \w+ \d+, \d{4}$/),
      "Your Pro (monthly) subscription continues",
      expect.stringMatching(/subscription ends on/),
      "Your Pro (monthly) subscription has ended",
    ]);
    await syncWebhooks();
    expect(await mailFor(learner.user.email)).toHaveLength(5);
  });

  it("says before confirming that changing the interval of a canceled plan makes it renew again, and emails the change", async () => {
    const learner = await clockedLearner();
    await subscribe(learner, "pro");
    await learner.browser.json("/api/subscriptions/cancel", jsonBody({}));
    const preview = (await learner.browser.json("/api/subscriptions/update", put({ tier: "pro", interval: "year", preview: true }))).body.preview;
    expect(preview).toMatchObject({ kind: "interval_switch", effective: "immediate", resumesRenewal: true });
    const page = await learner.browser.submit("/account/billing", { intent: "preview", tier: "pro", interval: "year" });
    expect(await page.text()).toContain("This change cancels that: your plan renews again");
    const done = await learner.browser.json("/api/subscriptions/update", put({ tier: "pro", interval: "year", prorationDate: preview.prorationDate }));
    expect(done.body.subscription).toMatchObject({ interval: "year", cancelAtPeriodEnd: false });
    const mails = await waitForMail(learner.user.email, 1, (s) => s.startsWith("Your plan is now"));
    expect(mails[0]!.subject).toBe("Your plan is now Pro (yearly)");
    expect(mails[0]!.text).toContain("from Pro (monthly) to Pro (yearly)");
    // Not canceled: a preview of the same change says nothing about renewing.
    const again = (await learner.browser.json("/api/subscriptions/update", put({ tier: "enterprise", interval: "year", preview: true }))).body.preview;
    expect(again.resumesRenewal).toBe(false);
  });

  it("lets only admins cancel immediately, and audits it", async () => {
    const learner = await clockedLearner();
    await subscribe(learner, "enterprise");
    const own = await learner.browser.json("/api/subscriptions/cancel", jsonBody({ immediately: true }));
    expect(own.status).toBe(403);
    const admin = await signedInAs("admin");
    const res = await admin.browser.json("/api/subscriptions/cancel", jsonBody({ immediately: true, userId: learner.user.id, reason: "Chargeback" }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tier: "free" });
    const [row] = await rowFor(learner.user.id);
    expect(row).toMatchObject({ status: "canceled" });
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.action, "subscription.canceled_immediately"), eq(auditLog.targetId, row!.id))).all();
    expect(audit).toEqual([expect.objectContaining({ actorId: admin.user.id })]);
    await syncWebhooks();
    expect((await rowFor(learner.user.id))[0]!.status).toBe("canceled");
  });
});

describe("renewals and dunning (test clocks + the cron handler)", () => {
  it("confirms a renewal from the cron when the webhook never came, exactly once", async () => {
    const learner = await clockedLearner();
    await subscribe(learner, "pro");
    await syncWebhooks();
    const [before] = await rowFor(learner.user.id);
    await emulator().configure({ paused: true });
    await learner.advance(31);
    // Drop this period's webhooks: only the cron can notice the renewal.
    await emulator().deliverWebhooks(async () => new Response("lost", { status: 200 }));
    await runCron();
    const [after] = await rowFor(learner.user.id);
    expect(after!.currentPeriodStart).toBe(before!.currentPeriodEnd);
    expect(after).toMatchObject({ status: "active", tier: "pro" });
    const [renewed] = await waitForMail(learner.user.email, 1, (s) => s.includes("renewed"));
    expect(renewed!.text).toContain("$15.00");
    await runCron();
    const paid = await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all();
    expect(paid.map((p) => p.amount)).toEqual([1500, 1500]);
    expect((await historyFor(learner.user.id)).map((h) => h.kind)).toEqual(["created", "renewed"]);
    await drainEmails();
    expect((await mailFor(learner.user.email)).filter((m) => m.subject.includes("renewed"))).toHaveLength(1);
  });

  it("recovers a failed renewal on the first retry (day 1)", async () => {
    const learner = await clockedLearner();
    const created = await subscribe(learner, "pro");
    expect(created.status).toBe(201);
    const [row] = await rowFor(learner.user.id);
    await stripe().subscriptions.update(row!.stripeSubscriptionId, { default_payment_method: "pm_card_chargeCustomerFail" });
    await syncWebhooks();
    await learner.advance(31);
    await syncWebhooks();
    const [pastDue] = await rowFor(learner.user.id);
    expect(pastDue).toMatchObject({ status: "past_due", tier: "pro", paymentAttempts: 1 });
    expect(pastDue!.nextPaymentAttemptAt).toBe(pastDue!.pastDueSince! + 86_400_000);
    const [failMail] = await waitForMail(learner.user.email, 1, (s) => s.includes("failed"));
    expect(failMail!.text).toContain("Attempt");
    await learner.relogin();
    expect((await learner.browser.json("/api/certificates")).status).toBe(200); // grace period
    // The learner fixes the card; the day-1 retry succeeds.
    await stripe().subscriptions.update(row!.stripeSubscriptionId, { default_payment_method: "pm_card_visa" });
    await learner.advance(1);
    await runCron();
    const [recovered] = await rowFor(learner.user.id);
    expect(recovered).toMatchObject({ status: "active", pastDueSince: null, nextPaymentAttemptAt: null });
    await syncWebhooks();
    expect((await rowFor(learner.user.id))[0]!.status).toBe("active");
    const kinds = (await historyFor(learner.user.id)).map((h) => h.kind);
    expect(kinds).toEqual(expect.arrayContaining(["status_changed", "payment_failed", "payment_recovered"]));
    const paid = await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all();
    expect(paid.map((p) => p.amount)).toEqual([1500, 1500]);
  });

  it("retries on days 1, 3, 5 and 7, emails each failure, then cancels and returns the user to Free", async () => {
    const learner = await clockedLearner();
    await subscribe(learner, "pro");
    const [row] = await rowFor(learner.user.id);
    await stripe().subscriptions.update(row!.stripeSubscriptionId, { default_payment_method: "pm_card_chargeCustomerFail" });
    await learner.advance(31);
    await syncWebhooks();
    expect((await rowFor(learner.user.id))[0]).toMatchObject({ status: "past_due", paymentAttempts: 1 });
    for (const [day, attempt] of [[1, 2], [3, 3], [5, 4]] as const) {
      await learner.advance(day === 1 ? 1 : 2);
      await runCron();
      await runCron(); // safe to run twice
      expect((await rowFor(learner.user.id))[0]).toMatchObject({ status: "past_due", paymentAttempts: attempt });
      await syncWebhooks();
    }
    const [beforeLast] = await rowFor(learner.user.id);
    expect(beforeLast!.nextPaymentAttemptAt).toBe(beforeLast!.pastDueSince! + 7 * 86_400_000);
    await learner.advance(2);
    await runCron();
    const [ended] = await rowFor(learner.user.id);
    expect(ended).toMatchObject({ status: "canceled", paymentAttempts: 5 });
    await syncWebhooks();
    expect((await rowFor(learner.user.id))[0]!.status).toBe("canceled");
    await learner.relogin();
    expect((await learner.browser.json("/api/subscriptions/current")).body.tier).toBe("free");
    const failures = await waitForMail(learner.user.email, 5, (s) => s.includes("failed"));
    expect(failures).toHaveLength(5);
    const invoice = (await invoicesOf(learner.customer.id)).find((i) => i.billing_reason === "subscription_cycle")!;
    expect(invoice.attempt_count).toBe(5);
    expect((await stripe().subscriptions.retrieve(row!.stripeSubscriptionId)).status).toBe("canceled");
  });
});

describe("webhooks", () => {
  it("converges on Stripe's state with duplicated and reversed deliveries, and never regresses", async () => {
    const learner = await clockedLearner();
    await emulator().configure({ duplicates: 2, order: "reverse", paused: false });
    const { user } = learner;
    // Mirror nothing synchronously: create through Stripe directly, as another client would.
    const s = stripe();
    const pro = await resolvePrice(priceStub, s, "pro", "month");
    const ent = await resolvePrice(priceStub, s, "enterprise", "month");
    const sub = await s.subscriptions.create({ customer: learner.customer.id, items: [{ price: pro!.id }], default_payment_method: "pm_card_visa", metadata: { userId: user.id } });
    await s.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: ent.id }], proration_behavior: "always_invoice" });
    await s.subscriptions.update(sub.id, { cancel_at_period_end: true });
    await syncWebhooks();
    const [row] = await rowFor(user.id);
    expect(row).toMatchObject({ tier: "enterprise", status: "active", cancelAtPeriodEnd: true });
    const kinds = (await historyFor(user.id)).map((h) => h.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    // An old event delivered again (Stripe retries late) changes nothing.
    const created = (await emulator().events("customer.subscription.created")).find((e) => e.data.object.id === sub.id)!;
    await emulator().resend(created.id, 1);
    await emulator().configure({ duplicates: 0, order: "in_order" });
    await syncWebhooks();
    expect((await rowFor(user.id))[0]).toMatchObject({ tier: "enterprise", cancelAtPeriodEnd: true });
    const invoices = await invoicesOf(learner.customer.id);
    const paid = await db().select().from(payments).where(eq(payments.userId, user.id)).all();
    expect(paid.map((p) => p.amount).sort()).toEqual(invoices.filter((i) => i.amount_paid > 0).map((i) => i.amount_paid).sort());
  });

  it("ignores subscriptions that are not ours", async () => {
    const s = stripe();
    const customer = await s.customers.create({ email: "stranger@example.test" });
    const price = await resolvePrice(priceStub, s, "pro", "month");
    await s.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: "pm_card_visa" });
    const delivered = await syncWebhooks();
    expect(delivered.every((d) => d.status === 200)).toBe(true);
    expect(env.DB).toBeDefined();
    expect(await insertUser()).toBeDefined();
  });
});

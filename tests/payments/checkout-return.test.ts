import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { emailOutbox, enrollments, instructorEarnings, payments, subscriptions } from "~drizzle/schema";
import { db, signedInAs, waitFor } from "../helpers";
import { deliverWebhooks, emulator, insertCourse, paymentRow, waitForHandled } from "./helpers";

/*
 * Back from Checkout (Stripe's success URL), the page settles the payment itself through the
 * webhook's own path (reconcilePayment / fulfilSubscriptionCheckout), so the buyer lands with
 * access without waiting for the event. The return and the webhook may run at once: each effect
 * still happens exactly once.
 */

type Learner = Awaited<ReturnType<typeof signedInAs>>;

/** The page's Buy button: a POST that sends the browser to the hosted Checkout page. */
async function startCoursePurchase(learner: Learner, slug: string) {
  const res = await learner.browser.submit(`/courses/${slug}`, { intent: "enroll" });
  expect(res.status).toBe(302);
  const checkoutUrl = res.headers.get("Location")!;
  expect(checkoutUrl).toMatch(/\/_stripe\/c\/pay\//);
  return checkoutUrl;
}

/** Pays on the emulator's hosted page; returns the success URL's path and the payment id. */
async function payOnHostedPage(checkoutUrl: string) {
  const paid = await emulator().completeCheckout(checkoutUrl);
  expect(paid.status).toBe(303);
  const back = new URL(paid.headers.get("Location")!);
  return { returnPath: `${back.pathname}${back.search}`, paymentId: back.searchParams.get("payment") };
}

const mailsTo = (to: string) => db().select().from(emailOutbox).where(eq(emailOutbox.toAddress, to)).all();

beforeEach(async () => {
  await emulator().clearFaults();
  await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
});

describe("return from course Checkout", () => {
  it("return and webhook at once (two tabs): one enrollment, one sale, one receipt; the learner lands in the course", async () => {
    const { course } = await insertCourse({ priceAmount: 4900 });
    const learner = await signedInAs("student");
    const { returnPath, paymentId } = await payOnHostedPage(await startCoursePurchase(learner, course.slug));
    expect(returnPath).toContain("purchase=success");
    expect(paymentId).toMatch(/^pay_/);

    const [first, second, delivered] = await Promise.all([learner.browser.fetch(returnPath), learner.browser.fetch(returnPath), deliverWebhooks()]);
    await waitForHandled(delivered);

    // Both returns found the payment settled and went to the clean course URL.
    for (const res of [first, second]) {
      expect(res.status).toBe(302);
      expect(res.headers.get("Location")).toBe(`/courses/${course.slug}`);
    }
    const payment = (await paymentRow(paymentId!))!;
    expect(payment).toMatchObject({ status: "succeeded", amount: 4900 });
    expect(payment.fulfilledAt).not.toBeNull();
    const enrolled = await db().select().from(enrollments).where(and(eq(enrollments.courseId, course.id), eq(enrollments.userId, learner.user.id))).all();
    expect(enrolled).toEqual([expect.objectContaining({ status: "active", paymentId })]);
    const sales = await db().select().from(instructorEarnings).where(eq(instructorEarnings.paymentId, paymentId!)).all();
    expect(sales.filter((s) => s.kind === "sale")).toHaveLength(1);
    const receipts = await waitFor(async () => {
      const mails = (await mailsTo(learner.user.email)).filter((m) => m.subject.includes(course.title));
      return mails.length ? mails : undefined;
    });
    expect(receipts).toHaveLength(1);

    // The course page shows access and a one-time thank-you (not sticky: the next visit has none).
    const page = await (await learner.browser.fetch(`/courses/${course.slug}`)).text();
    expect(page).toContain('data-testid="enrolled"');
    expect(page).toContain("Thank you! Your payment went through");
    expect(page).not.toMatch(/>Buy for /);
    const again = await (await learner.browser.fetch(`/courses/${course.slug}`)).text();
    expect(again).not.toContain("Thank you! Your payment went through");
  });

  it("the return alone fulfils it (webhook not delivered yet), and the late webhook changes nothing", async () => {
    const { course } = await insertCourse({ priceAmount: 2500 });
    const learner = await signedInAs("student");
    const { returnPath, paymentId } = await payOnHostedPage(await startCoursePurchase(learner, course.slug));
    const res = await learner.browser.fetch(returnPath);
    expect(res.status).toBe(302);
    expect((await paymentRow(paymentId!))!.fulfilledAt).not.toBeNull();
    const before = await db().select().from(enrollments).where(eq(enrollments.courseId, course.id)).all();
    await waitForHandled(await deliverWebhooks());
    expect(await db().select().from(enrollments).where(eq(enrollments.courseId, course.id)).all()).toEqual(before);
    expect((await db().select().from(instructorEarnings).where(eq(instructorEarnings.paymentId, paymentId!)).all()).filter((s) => s.kind === "sale")).toHaveLength(1);
  });

  it("not paid yet: a processing state that refreshes itself (bounded), never the Buy button", async () => {
    const { course } = await insertCourse({ priceAmount: 1900 });
    const learner = await signedInAs("student");
    await startCoursePurchase(learner, course.slug);
    const payment = (await db().select().from(payments).where(eq(payments.userId, learner.user.id)).get())!;
    const path = `/courses/${course.slug}?purchase=success&payment=${payment.id}`;

    const waiting = await learner.browser.fetch(path);
    expect(waiting.status).toBe(200);
    const html = await waiting.text();
    expect(html).toContain('data-testid="checkout-processing"');
    expect(html).toMatch(/<noscript><meta http-equiv="refresh" content="2;url=\/courses\/[^"]*wait=1"/);
    expect(html).not.toMatch(/>Buy for /);

    // After ~30 s of refreshes it stops and says the confirmation will come by email.
    const slow = await (await learner.browser.fetch(`${path}&wait=15`)).text();
    expect(slow).toContain("we&#x27;ll email you");
    expect(slow).not.toContain('http-equiv="refresh"');

    // Somebody else's payment id settles nothing and shows nothing.
    const other = await signedInAs("student");
    const theirs = await (await other.browser.fetch(path)).text();
    expect(theirs).not.toContain('data-testid="checkout-processing"');
    expect(theirs).toMatch(/>Buy for /);
  });
});

describe("return from subscription Checkout", () => {
  it("return and webhook at once: one subscription, one payment, one receipt; a thank-you once, gone after cancel", async () => {
    const learner = await signedInAs("student");
    const start = await learner.browser.submit("/pricing", { tier: "pro", interval: "month" });
    expect(start.status).toBe(302);
    const { returnPath } = await payOnHostedPage(start.headers.get("Location")!);
    expect(returnPath).toBe("/account/billing?checkout=success");

    const [first, second, delivered] = await Promise.all([learner.browser.fetch(returnPath), learner.browser.fetch(returnPath), deliverWebhooks()]);
    await waitForHandled(delivered);
    for (const res of [first, second]) {
      expect(res.status).toBe(302);
      expect(res.headers.get("Location")).toBe("/account/billing");
    }
    expect(await db().select().from(subscriptions).where(eq(subscriptions.userId, learner.user.id)).all()).toEqual([expect.objectContaining({ tier: "pro", status: "active" })]);
    expect(await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all()).toEqual([expect.objectContaining({ purpose: "subscription", amount: 1500 })]);
    const receipts = await waitFor(async () => {
      const mails = await mailsTo(learner.user.email);
      return mails.length ? mails : undefined;
    });
    expect(receipts).toHaveLength(1);

    const billing = await (await learner.browser.fetch("/account/billing")).text();
    expect(billing).toContain("Thank you! Your payment went through");
    expect(billing).toContain('data-testid="current-plan"');
    const later = await (await learner.browser.fetch("/account/billing")).text();
    expect(later).not.toContain("Thank you! Your payment went through");

    // Canceling asks first; the confirmed cancel never shows the thank-you.
    const ask = await learner.browser.submit("/account/billing", { intent: "cancel" });
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain("Cancel your Pro");
    expect((await db().select().from(subscriptions).where(eq(subscriptions.userId, learner.user.id)).get())!.cancelAtPeriodEnd).toBe(false);
    const canceled = await learner.browser.submit("/account/billing", { intent: "cancel", confirm: "yes" });
    expect(canceled.status).toBe(200);
    const text = await canceled.text();
    expect(text).toContain("Your subscription will end on");
    expect(text).not.toContain("Thank you! Your payment went through");
    expect((await db().select().from(subscriptions).where(eq(subscriptions.userId, learner.user.id)).get())!.cancelAtPeriodEnd).toBe(true);
  });

  it("an old or hand-typed success link with nothing bought goes to the plain billing page", async () => {
    const learner = await signedInAs("student");
    const res = await learner.browser.fetch("/account/billing?checkout=success");
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/account/billing");
    expect(res.headers.get("Set-Cookie") ?? "").not.toContain("__flash");
  });
});

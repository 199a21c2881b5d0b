import { describe, expect, it } from "vitest";
import { collectMetrics } from "~/modules/observability/metrics.server";
import { createId } from "~/utils/ids";
import { payments, payouts, refunds, stripeEvents } from "~drizzle/schema";
import { db, insertUser, signedInAs } from "../helpers";

async function insertPayment(userId: string, status: "succeeded" | "failed", amount: number, succeededAt: number | null, currency = "usd") {
  const t = Date.now();
  const id = createId("payment");
  await db()
    .insert(payments)
    .values({ id, userId, purpose: "course_purchase", purposeRef: "crs_x", description: "Course", amount, currency, status, flow: "checkout", metadata: {}, succeededAt, createdAt: t, updatedAt: t })
    .run();
  return id;
}

describe("operator metrics", () => {
  it("aggregates money in the last 24 hours and states of payments and webhook events", async () => {
    const user = await insertUser();
    const now = Date.now();
    const recent = await insertPayment(user.id, "succeeded", 4999, now - 1000);
    await insertPayment(user.id, "succeeded", 1000, now - 2000, "eur");
    await insertPayment(user.id, "succeeded", 700, now - 3 * 86_400_000); // outside the window
    await insertPayment(user.id, "failed", 500, null);
    await db().insert(refunds).values({ id: createId("refund"), paymentId: recent, amount: 999, currency: "usd", reason: "r", status: "succeeded", createdAt: now, updatedAt: now }).run();
    await db().insert(stripeEvents).values({ id: "evt_waiting", type: "payment_intent.succeeded", stripeCreatedAt: now, status: "failed", payload: {}, receivedAt: now - 10 * 60_000 }).run();

    const m = await collectMetrics({ db: db() }, now);
    expect(m.payments.byStatus).toMatchObject({ succeeded: 3, failed: 1 });
    expect(m.payments.succeededInWindow).toEqual(
      expect.arrayContaining([
        { currency: "usd", n: 1, amount: 4999 },
        { currency: "eur", n: 1, amount: 1000 },
      ]),
    );
    expect(m.payments.refundedInWindow).toEqual([{ currency: "usd", n: 1, amount: 999 }]);
    expect(m.webhooks.byStatus).toMatchObject({ failed: 1 });
    expect(m.webhooks.oldestOpenAgeMs).toBe(10 * 60_000);
  });

  it("is served to admins as JSON and as a page that warns about a webhook backlog", async () => {
    const now = Date.now();
    await db().insert(stripeEvents).values({ id: "evt_backlog", type: "charge.refunded", stripeCreatedAt: now, status: "received", payload: {}, receivedAt: now - 30 * 60_000 }).run();
    const instructor = await insertUser("instructor");
    await db().insert(payouts).values({ id: "po_test1", instructorId: instructor.id, amount: 7000, currency: "usd", status: "failed", attempts: 2, failureMessage: "Account not payouts-enabled", createdAt: now, updatedAt: now }).run();
    const admin = await signedInAs("admin");
    const json = await admin.browser.json("/api/metrics");
    expect(json.body.marketplace.payoutsByStatus).toEqual({ failed: 1 });
    expect(json.status).toBe(200);
    expect(json.body.webhooks.byStatus.received).toBe(1);
    const page = await admin.browser.fetch("/admin");
    const html = await page.text();
    expect(html).toMatch(/oldest unprocessed Stripe event has waited (29|30|31) minutes/);
    expect(html).toContain(instructor.email);
    expect(html).toContain("Account not payouts-enabled");
  });
});

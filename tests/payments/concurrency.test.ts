import { env, SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { IN_FLIGHT_LEASE_MS } from "~/modules/payments/idempotency.server";
import { sha256Hex } from "~/utils/ids";
import { enrollments, idempotencyKeys, instructorEarnings, payments, refunds, subscriptions, subscriptionStarts } from "~drizzle/schema";
import { db, jsonBody, signedInAs, waitFor } from "../helpers";
import { syncWebhooks } from "../subscriptions/helpers";
import { emulator, insertCourse, outboxFor, paymentRow, signStripePayload, waitForPayment } from "./helpers";

type Learner = Awaited<ReturnType<typeof signedInAs>>;
const purchase = (learner: Learner, body: Record<string, unknown>, key: string) =>
  learner.browser.json("/api/courses/purchase", jsonBody(body, { headers: { "Idempotency-Key": key } }));
const paymentsOf = (userId: string) => db().select().from(payments).where(eq(payments.userId, userId)).all();
const intentsFor = async (paymentIds: string[]) =>
  (await emulator().events("payment_intent.created")).filter((e) => paymentIds.includes(e.data.object.metadata.paymentId));

afterEach(() => emulator().clearFaults());

describe("one open payment per buyer, purpose and reference", () => {
  it("twenty parallel Checkout purchases with different keys share one payment and one Checkout Session", async () => {
    const { course } = await insertCourse({ priceAmount: 2500 });
    const learner = await signedInAs("student");
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => purchase(learner, { courseId: course.id }, `tab-${i}`)));
    for (const r of responses) expect([201, 409]).toContain(r.status);
    const started = responses.filter((r) => r.status === 201);
    expect(started.length).toBeGreaterThan(0);
    const rows = await paymentsOf(learner.user.id);
    expect(rows).toHaveLength(1);
    expect(new Set(started.map((r) => r.body.payment.paymentId))).toEqual(new Set([rows[0]!.id]));
    expect(new Set(started.map((r) => r.body.payment.nextAction.url))).toEqual(new Set([rows[0]!.checkoutUrl]));
    const sessions = (await emulator().events("checkout.session.created")).filter((e) => e.data.object.metadata?.paymentId === rows[0]!.id);
    expect(sessions.length).toBeLessThanOrEqual(1);
  });

  it("ten parallel card purchases charge once, enroll once, book one sale and send one receipt", async () => {
    const { course } = await insertCourse({ priceAmount: 3000 });
    const learner = await signedInAs("student");
    const body = { courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" };
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => purchase(learner, body, `click-${i}`)));
    // A click that meets the first before Stripe answered re-sends its request (same key) and gets the
    // same payment; one that comes after the answer is told it is in progress.
    const ok = responses.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThan(0);
    const rows = await paymentsOf(learner.user.id);
    expect(rows).toHaveLength(1);
    expect(new Set(ok.map((r) => r.body.payment.paymentId))).toEqual(new Set([rows[0]!.id]));
    for (const r of responses.filter((r) => r.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ code: "conflict", details: { paymentId: rows[0]!.id } });
    }
    expect(await intentsFor([rows[0]!.id])).toHaveLength(1);

    // A purchase while the first is still processing is refused too.
    const during = await purchase(learner, body, "later-click");
    expect(during.status).toBe(409);
    expect(during.body.error.details.paymentId).toBe(rows[0]!.id);

    await syncWebhooks();
    await waitFor(async () => (await paymentRow(rows[0]!.id))?.fulfilledAt);
    const enrolled = await db().select().from(enrollments).where(and(eq(enrollments.courseId, course.id), eq(enrollments.userId, learner.user.id))).all();
    expect(enrolled).toHaveLength(1);
    expect(await db().select().from(instructorEarnings).where(eq(instructorEarnings.courseId, course.id)).all()).toHaveLength(1);
    const receipts = await waitFor(async () => {
      const mails = (await outboxFor(learner.user.email)).filter((m) => m.template === "payment-receipt");
      return mails.length ? mails : undefined;
    });
    expect(receipts).toHaveLength(1);
    // Once paid, buying again is "already enrolled", never a second charge.
    const again = await purchase(learner, body, "after-paid");
    expect(again.status).toBe(200);
    expect(await paymentsOf(learner.user.id)).toHaveLength(1);
  });

  it("a second payment that also succeeds for the same course books no second sale and is refunded", async () => {
    const { course } = await insertCourse({ priceAmount: 4000 });
    const learner = await signedInAs("student");
    // Tab one opens Checkout and leaves it open; our record of it is then closed (as an expiry would).
    const first = await purchase(learner, { courseId: course.id }, "tab-one");
    expect(first.status).toBe(201);
    await db().update(payments).set({ status: "canceled" }).where(eq(payments.id, first.body.payment.paymentId)).run();
    // Tab two pays by card and gets access.
    const second = await purchase(learner, { courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" }, "tab-two");
    expect(second.status).toBe(201);
    await syncWebhooks();
    await waitForPayment(second.body.payment.paymentId, "succeeded");
    // Then tab one's Checkout is paid as well.
    const paid = await emulator().completeCheckout(first.body.payment.nextAction.url);
    expect(paid.status).toBe(303);
    await syncWebhooks();
    const duplicate = await waitForPayment(first.body.payment.paymentId, "refunded");
    expect(duplicate.fulfilledAt).not.toBeNull();
    const enrolled = await db().select().from(enrollments).where(and(eq(enrollments.courseId, course.id), eq(enrollments.userId, learner.user.id))).all();
    expect(enrolled).toHaveLength(1);
    expect(enrolled[0]!.paymentId).toBe(second.body.payment.paymentId);
    const sales = await db().select().from(instructorEarnings).where(eq(instructorEarnings.courseId, course.id)).all();
    expect(sales.map((s) => s.paymentId)).toEqual([second.body.payment.paymentId]);
    const refundRows = await db().select().from(refunds).where(eq(refunds.paymentId, duplicate.id)).all();
    expect(refundRows).toMatchObject([{ amount: 4000, status: "succeeded", requestedBy: null }]);
  });
});

describe("one open or active subscription per user", () => {
  it("ten parallel subscription creates make one Stripe subscription", async () => {
    const learner = await signedInAs("student");
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        learner.browser.json("/api/subscriptions/create", jsonBody({ tier: "pro", interval: "month", flow: "payment_method", paymentMethod: "pm_card_visa" }, { headers: { "Idempotency-Key": `sub-${i}` } })),
      ),
    );
    const ok = responses.filter((r) => r.status === 201 || r.status === 200);
    expect(ok.length).toBeGreaterThan(0);
    expect(new Set(ok.map((r) => r.body.subscription.subscriptionId)).size).toBe(1);
    for (const r of responses.filter((r) => r.status >= 300)) expect(r.status).toBe(409);
    const created = (await emulator().events("customer.subscription.created")).filter((e) => e.data.object.metadata?.userId === learner.user.id);
    expect(created).toHaveLength(1);
    expect(await db().select().from(subscriptions).where(eq(subscriptions.userId, learner.user.id)).all()).toHaveLength(1);
    const starts = await db().select().from(subscriptionStarts).where(eq(subscriptionStarts.userId, learner.user.id)).all();
    expect(starts.filter((s) => s.status === "open")).toHaveLength(0);
  });

  it("parallel Checkout starts for the same plan share one Checkout Session", async () => {
    const learner = await signedInAs("student");
    const responses = await Promise.all(Array.from({ length: 6 }, () => learner.browser.json("/api/subscriptions/create", jsonBody({ tier: "pro", interval: "year" }))));
    for (const r of responses) expect([201, 200, 409]).toContain(r.status);
    const urls = new Set(responses.filter((r) => r.status < 300).map((r) => r.body.nextAction.url));
    expect(urls.size).toBe(1);
    const starts = await db().select().from(subscriptionStarts).where(eq(subscriptionStarts.userId, learner.user.id)).all();
    expect(starts).toHaveLength(1);
    // Choosing another plan replaces the abandoned Checkout (expired at Stripe) instead of refusing.
    const monthly = await learner.browser.json("/api/subscriptions/create", jsonBody({ tier: "pro", interval: "month" }));
    expect(monthly.status).toBe(201);
    expect(monthly.body.nextAction.url).not.toBe([...urls][0]);
    const after = await db().select().from(subscriptionStarts).where(eq(subscriptionStarts.userId, learner.user.id)).all();
    expect(after.map((s) => s.status).sort()).toEqual(["canceled", "open"]);
  });
});

describe("unknown outcomes stay reserved", () => {
  it("a refund whose Stripe answer is lost stays pending; a retry resolves it and the webhook sync agrees", async () => {
    const { course } = await insertCourse({ priceAmount: 2000 });
    const learner = await signedInAs("student");
    const res = await purchase(learner, { courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" }, "buy");
    await syncWebhooks();
    const payment = await waitForPayment(res.body.payment.paymentId, "succeeded");
    await waitFor(async () => (await paymentRow(payment.id))?.fulfilledAt);
    const admin = await signedInAs("admin");
    // Stripe makes the refund, then every answer (and the SDK's retries) is lost.
    await emulator().fault({ type: "500", after: true, count: 3, path: "/v1/refunds" });
    const refund = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId: payment.id, reason: "Customer asked" }));
    expect(refund.status).toBe(503);
    const reserved = await db().select().from(refunds).where(eq(refunds.paymentId, payment.id)).all();
    expect(reserved).toMatchObject([{ status: "pending", amount: 2000 }]);
    // The retry re-sends it (same Stripe key): the refund Stripe made, never a second one.
    await emulator().clearFaults();
    const again = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId: payment.id, reason: "Customer asked" }));
    expect(again).toMatchObject({ status: 200, body: { refund: { id: reserved[0]!.id, status: "succeeded", amount: 2000 } } });
    const other = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId: payment.id, amount: 100, reason: "Another reason" }));
    expect(other).toMatchObject({ status: 409, body: { error: { message: "This payment has already been fully refunded." } } });
    await syncWebhooks();
    const settled = await waitForPayment(payment.id, "refunded");
    expect(settled.amountRefunded).toBe(2000);
    const rows = await db().select().from(refunds).where(eq(refunds.paymentId, payment.id)).all();
    expect(rows).toMatchObject([{ status: "succeeded", amount: 2000 }]);
    expect(rows[0]!.stripeRefundId).toMatch(/^re_/);
    // The access and the instructor's share are reversed.
    await waitFor(async () => (await db().select().from(refunds).where(eq(refunds.id, rows[0]!.id)).get())?.reversedAt);
    const enrollment = await db().select().from(enrollments).where(eq(enrollments.paymentId, payment.id)).get();
    expect(enrollment?.status).toBe("revoked");
  });

  it("a Checkout Session whose answer is lost is reused, not duplicated, on retry", async () => {
    const { course } = await insertCourse({ priceAmount: 1200 });
    const learner = await signedInAs("student");
    await emulator().fault({ type: "500", after: true, count: 3, path: "/v1/checkout/sessions" });
    const lost = await purchase(learner, { courseId: course.id }, "first");
    expect(lost.status).toBe(503);
    const [reserved] = await paymentsOf(learner.user.id);
    expect(reserved).toMatchObject({ status: "requires_action", checkoutUrl: null });
    await emulator().clearFaults();
    const retry = await purchase(learner, { courseId: course.id }, "second");
    expect(retry.status).toBe(201);
    expect(retry.body.payment.paymentId).toBe(reserved!.id);
    const sessions = (await emulator().events("checkout.session.created")).filter((e) => e.data.object.metadata?.paymentId === reserved!.id);
    expect(sessions.length).toBeLessThanOrEqual(1);
  });

  it("a Stripe answer without the fields we rely on is not taken as success", async () => {
    const { course } = await insertCourse({ priceAmount: 1300 });
    const learner = await signedInAs("student");
    await emulator().fault({ type: "empty", count: 1, path: "/v1/payment_intents" });
    const res = await purchase(learner, { courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" }, "k1");
    expect(res.status).toBe(503);
    const [row] = await paymentsOf(learner.user.id);
    expect(row).toMatchObject({ status: "requires_action", stripePaymentIntentId: null });
    // The stored idempotent answer is the 503's absence: the same key may retry.
    expect(await db().select().from(idempotencyKeys).where(eq(idempotencyKeys.key, "k1")).all()).toHaveLength(0);
  });

  it("an Idempotency-Key whose first run crashed is taken over after its lease", async () => {
    const { course } = await insertCourse({ priceAmount: 1400 });
    const learner = await signedInAs("student");
    const body = { courseId: course.id };
    
    // The first run stored the key and died before recording a response.
    await db()
      .insert(idempotencyKeys)
      .values({ userId: learner.user.id, scope: "courses.purchase", key: "crashed", requestHash: await sha256Hex(JSON.stringify(body)), createdAt: Date.now() - IN_FLIGHT_LEASE_MS - 1 })
      .run();
    const runs = await Promise.all([purchase(learner, body, "crashed"), purchase(learner, body, "crashed")]);
    // One request takes the key over and runs; the other is told it is running, or replays its answer.
    const fresh = runs.filter((r) => r.status === 201 && r.response.headers.get("Idempotent-Replayed") !== "true");
    expect(fresh).toHaveLength(1);
    const [other] = runs.filter((r) => r !== fresh[0]);
    if (other!.status === 201) expect(other!.body).toEqual(fresh[0]!.body);
    else expect(other!.body.error.code).toBe("idempotency_conflict");
    const replay = await purchase(learner, body, "crashed");
    expect(replay.status).toBe(201);
    expect(replay.response.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await paymentsOf(learner.user.id)).toHaveLength(1);
  });

  it("a fresh in-flight key still answers 409", async () => {
    const learner = await signedInAs("student");
    const { course } = await insertCourse();
    const body = { courseId: course.id };
    
    await db()
      .insert(idempotencyKeys)
      .values({ userId: learner.user.id, scope: "courses.purchase", key: "running", requestHash: await sha256Hex(JSON.stringify(body)), createdAt: Date.now() })
      .run();
    const res = await purchase(learner, body, "running");
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("idempotency_conflict");
  });
});

describe("webhook bodies", () => {
  it("a correctly signed body that is not a Stripe event is a 400 and stores nothing", async () => {
    for (const payload of ['{"hello":"world"}', "[]", '{"id":"evt_1","object":"event","type":"x"}']) {
      const t = Math.floor(Date.now() / 1000);
      const res = await SELF.fetch("http://localhost/api/webhooks/stripe", {
        method: "POST",
        body: payload,
        headers: { "Content-Type": "application/json", "Stripe-Signature": await signStripePayload(payload, env.STRIPE_WEBHOOK_SECRET, t) },
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.code).toBe("bad_request");
    }
  });
});

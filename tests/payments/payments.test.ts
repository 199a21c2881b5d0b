import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from "cloudflare:test";
import worker, { createAppContext } from "../../workers/app";
import { settleStalePayments, STALE_PAYMENT_MS } from "~/modules/payments/reconcile.server";
import { resetClock, setClock } from "~/utils/clock";
import { STRIPE_EVENTS_DEAD_LETTER_QUEUE } from "~/modules/payments/stripe-events.server";
import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { auditLog, courses, enrollments, instructorEarnings, payments, refunds, stripeEvents } from "~drizzle/schema";
import { db, jsonBody, signedInAs, waitFor } from "../helpers";
import { deliverWebhooks, emulator, insertCourse, outboxFor, paymentRow, signStripePayload, waitForHandled, waitForPayment } from "./helpers";

const enrollmentOf = (courseId: string, userId: string) =>
  db().select().from(enrollments).where(and(eq(enrollments.courseId, courseId), eq(enrollments.userId, userId))).all();

async function buy(browser: Awaited<ReturnType<typeof signedInAs>>["browser"], body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return browser.json("/api/payments/process", jsonBody(body, { headers }));
}

/** A learner who bought `course` with a card that succeeds, settled through the webhook. */
async function paidPurchase() {
  const { course, instructor } = await insertCourse();
  const learner = await signedInAs("student");
  const res = await buy(learner.browser, { purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" });
  expect(res.status).toBe(201);
  await deliverWebhooks();
  const payment = await waitForPayment(res.body.paymentId, "succeeded");
  await waitFor(async () => (await paymentRow(payment.id))?.fulfilledAt);
  return { course, instructor, learner, payment };
}

beforeEach(async () => {
  await emulator().clearFaults();
  await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
});

describe("POST /api/payments/process", () => {
  it("pays with a card end to end: record, webhook, queue, fulfilment, receipt email", async () => {
    const { course, learner, payment } = await paidPurchase();
    expect(payment).toMatchObject({ amount: 4999, currency: "usd", purpose: "course_purchase", purposeRef: course.id });
    expect(payment.stripePaymentIntentId).toMatch(/^pi_/);
    const [enrollment] = await enrollmentOf(course.id, learner.user.id);
    expect(enrollment).toMatchObject({ status: "active", paymentId: payment.id, amountPaid: 4999 });
    const earning = await db().select().from(instructorEarnings).where(eq(instructorEarnings.paymentId, payment.id)).all();
    expect(earning.length).toBeGreaterThan(0);
    const [receipt] = await waitFor(async () => {
      const mails = await outboxFor(learner.user.email);
      return mails.length ? mails : undefined;
    });
    expect(receipt!.subject).toContain("SQL for Analysts");
    expect(receipt!.text).toContain(payment.id);
    expect(receipt!.text).toContain("$49.99");
  });

  it("pays through Checkout and the hosted page", async () => {
    const { course } = await insertCourse({ priceAmount: 1500 });
    const learner = await signedInAs("student");
    const res = await buy(learner.browser, { purpose: "course_purchase", courseId: course.id, successPath: "/courses?bought=1" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "requires_action", amount: 1500, nextAction: { type: "redirect_to_checkout" } });
    const paid = await emulator().completeCheckout(res.body.nextAction.url);
    expect(paid.status).toBe(303);
    expect(paid.headers.get("Location")).toBe(`http://localhost:8787/courses?bought=1&payment=${res.body.paymentId}`.replace("http://localhost:8787", new URL(paid.headers.get("Location")!).origin));
    await deliverWebhooks();
    await waitForPayment(res.body.paymentId, "succeeded");
    await waitFor(async () => (await enrollmentOf(course.id, learner.user.id))[0]?.status === "active");
  });

  it("reports a declined card clearly, records the failure and fulfils nothing", async () => {
    const { course } = await insertCourse();
    const learner = await signedInAs("student");
    const res = await buy(learner.browser, { purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_chargeDeclinedInsufficientFunds" });
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ code: "payment_required", message: "Your card was declined: insufficient funds." });
    const payment = await paymentRow(res.body.error.details.paymentId);
    expect(payment).toMatchObject({ status: "failed", failureCode: "insufficient_funds" });
    await deliverWebhooks();
    await waitFor(async () => (await db().select().from(stripeEvents).where(eq(stripeEvents.type, "payment_intent.payment_failed")).all()).some((e) => e.status === "processed"));
    expect((await paymentRow(payment!.id))!.status).toBe("failed");
    expect(await enrollmentOf(course.id, learner.user.id)).toHaveLength(0);
  });

  it("leaves no half-made payment when Stripe is down: reserved, then settled by the cron", async () => {
    const { course } = await insertCourse();
    const learner = await signedInAs("student");
    await emulator().fault({ type: "500", count: 10, path: "/v1/payment_intents" });
    const res = await buy(learner.browser, { purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("upstream_unavailable");
    expect(JSON.stringify(res.body)).not.toMatch(/stack|sqlite|stripe\.com/i);
    // Stripe may have made the PaymentIntent: the payment stays reserved instead of being guessed failed.
    const payment = await paymentRow(res.body.error.details.paymentId);
    expect(payment).toMatchObject({ status: "requires_action", stripePaymentIntentId: null });
    expect(await enrollmentOf(course.id, learner.user.id)).toHaveLength(0);
    // An hour later Stripe has still not heard of it: the cron cancels it and the learner may buy again.
    await emulator().clearFaults();
    setClock(() => Date.now() + STALE_PAYMENT_MS + 1000);
    try {
      await settleStalePayments(createAppContext(env, createExecutionContext(), "req_test_stale_payments"));
    } finally {
      resetClock();
    }
    expect(await paymentRow(payment!.id)).toMatchObject({ status: "canceled", failureCode: "abandoned" });
    const again = await buy(learner.browser, { purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" });
    expect(again.status).toBe(201);
  });

  it("retries Stripe's transient errors (429, 5xx) with the same idempotency key", async () => {
    const { course } = await insertCourse();
    const learner = await signedInAs("student");
    await emulator().fault({ type: "429", count: 1, path: "/v1/payment_intents" });
    await emulator().fault({ type: "500", count: 1, path: "/v1/payment_intents" });
    const res = await buy(learner.browser, { purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("processing");
    const intents = (await emulator().events("payment_intent.created")).filter((e) => e.data.object.metadata.paymentId === res.body.paymentId);
    expect(intents).toHaveLength(1);
  });

  it("honours Idempotency-Key: same body replays, another body conflicts", async () => {
    const { course } = await insertCourse();
    const learner = await signedInAs("student");
    const body = { purpose: "course_purchase", courseId: course.id };
    const first = await buy(learner.browser, body, { "Idempotency-Key": "buy-1" });
    const again = await buy(learner.browser, body, { "Idempotency-Key": "buy-1" });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.response.headers.get("Idempotent-Replayed")).toBe("true");
    const other = await buy(learner.browser, { ...body, successPath: "/elsewhere" }, { "Idempotency-Key": "buy-1" });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("idempotency_conflict");
    expect(await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all()).toHaveLength(1);
  });

  it.each([
    [{}, "purpose"],
    [{ purpose: "yacht" }, "purpose"],
    [{ purpose: "course_purchase", courseId: "crs_x", flow: "payment_method" }, "paymentMethod"],
    [{ purpose: "course_purchase", courseId: "crs_x", successPath: "https://evil.example" }, "successPath"],
    [{ purpose: "course_purchase" }, "courseId"],
  ])("rejects %j with a 400 naming %s and writes nothing", async (body, field) => {
    const learner = await signedInAs("student");
    const res = await buy(learner.browser, body);
    expect(res.status).toBe(400);
    expect(res.body.error.details.fieldErrors[field]).toBeDefined();
    expect(await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all()).toHaveLength(0);
  });

  it("rejects a body that is not JSON and anonymous callers", async () => {
    const learner = await signedInAs("student");
    const res = await learner.browser.json("/api/payments/process", { method: "POST", body: "purpose=x", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad_request");
    const anon = await SELF.fetch("http://localhost/api/payments/process", jsonBody({ purpose: "course_purchase" }));
    expect(anon.status).toBe(401);
  });
});

describe("POST /api/webhooks/stripe", () => {
  it("rejects a missing, forged or tampered signature and stores nothing", async () => {
    const before = (await db().select().from(stripeEvents).all()).length;
    const missing = await SELF.fetch("http://localhost/api/webhooks/stripe", { method: "POST", body: "{}" });
    expect(missing.status).toBe(400);
    const forged = await SELF.fetch("http://localhost/api/webhooks/stripe", {
      method: "POST",
      body: JSON.stringify({ id: "evt_forged", type: "payment_intent.succeeded", data: { object: {} } }),
      headers: { "Stripe-Signature": `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}` },
    });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: { code: "bad_request", message: "Invalid Stripe signature." } });

    await paidPurchase();
    const [event] = await emulator().events("payment_intent.succeeded");
    await emulator().resend(event!.id);
    const [delivery] = await emulator().pending(true);
    const tampered = await SELF.fetch("http://localhost/api/webhooks/stripe", {
      method: "POST",
      headers: delivery!.headers,
      body: delivery!.body.replace(/}\s*$/, ', "tampered": true}'),
    });
    expect(tampered.status).toBe(400);
    const stale = await signStripePayload(delivery!.body, env.STRIPE_WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 3600);
    const old = await SELF.fetch("http://localhost/api/webhooks/stripe", { method: "POST", headers: { "Stripe-Signature": stale }, body: delivery!.body });
    expect(old.status).toBe(400);
    await deliverWebhooks();
    expect((await db().select().from(stripeEvents).all()).length).toBeGreaterThan(before);
    expect(await db().select().from(stripeEvents).where(eq(stripeEvents.id, "evt_forged")).get()).toBeUndefined();
  });

  it("takes effect once when the same event is delivered ten times", async () => {
    const { course, learner, payment } = await paidPurchase();
    const [event] = (await emulator().events("payment_intent.succeeded")).filter((e) => e.data.object.metadata.paymentId === payment.id);
    await emulator().resend(event!.id, 10);
    const delivered = await deliverWebhooks();
    expect(delivered.filter((d) => d.event_id === event!.id).length).toBeGreaterThanOrEqual(10);
    expect(delivered.every((d) => d.status === 200)).toBe(true);
    await waitForHandled(delivered);
    expect(await enrollmentOf(course.id, learner.user.id)).toHaveLength(1);
    expect(await db().select().from(instructorEarnings).where(eq(instructorEarnings.paymentId, payment.id)).all()).toHaveLength(1);
    const row = await db().select().from(stripeEvents).where(eq(stripeEvents.id, event!.id)).get();
    expect(row).toMatchObject({ status: "processed", attempts: 1 });
    await waitFor(async () => (await outboxFor(learner.user.email)).length === 1);
  });

  it("ends in the same state whatever order events arrive in", async () => {
    const { course } = await insertCourse({ priceAmount: 2000 });
    const learner = await signedInAs("student");
    const admin = await signedInAs("admin");
    await emulator().configure({ paused: true });
    const res = await buy(learner.browser, { purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" });
    // Nothing delivered yet: the admin cannot refund a payment we have not seen succeed.
    const early = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId: res.body.paymentId, reason: "too early" }));
    expect(early.status).toBe(409);
    await emulator().configure({ paused: false, order: "reverse" });
    await deliverWebhooks();
    await waitForPayment(res.body.paymentId, "succeeded");
    await waitFor(async () => (await enrollmentOf(course.id, learner.user.id))[0]?.status === "active");
    const status = (await paymentRow(res.body.paymentId))!.status;
    expect(status).toBe("succeeded");
  });

  it("acknowledges unknown event types without failing", async () => {
    await paidPurchase();
    const rows = await db().select().from(stripeEvents).all();
    const customerCreated = rows.find((r) => r.type === "customer.created");
    if (customerCreated) expect(customerCreated.status).toBe("ignored");
    expect(rows.every((r) => r.status !== "failed")).toBe(true);
  });
});

describe("POST /api/payments/refund", () => {
  it("refunds in full: access removed, earning reversed, email sent, audited", async () => {
    const { course, learner, payment } = await paidPurchase();
    const admin = await signedInAs("admin");
    const res = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId: payment.id, reason: "Accidental purchase" }));
    expect(res.status).toBe(200);
    expect(res.body.refund).toMatchObject({ amount: 4999, status: "succeeded" });
    expect(res.body.payment).toMatchObject({ status: "refunded", amountRefunded: 4999, amountRefundable: 0 });
    expect((await enrollmentOf(course.id, learner.user.id))[0]!.status).toBe("revoked");
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.targetId, payment.id), eq(auditLog.action, "payment.refunded"))).all();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: admin.user.id, metadata: { amount: 4999, reason: "Accidental purchase" } });
    await waitFor(async () => (await outboxFor(learner.user.email)).some((m) => /refund/i.test(m.subject)));
    // The charge.refunded webhook that follows changes nothing more.
    await waitForHandled(await deliverWebhooks());
    expect((await paymentRow(payment.id))!.amountRefunded).toBe(4999);
    expect(await db().select().from(refunds).where(eq(refunds.paymentId, payment.id)).all()).toHaveLength(1);
  });

  it("refunds partially, rejects an over-refund, then refunds the rest", async () => {
    const { payment } = await paidPurchase();
    const admin = await signedInAs("admin");
    const part = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId: payment.id, amount: 1000, reason: "Partial goodwill" }));
    expect(part.body.payment).toMatchObject({ status: "partially_refunded", amountRefunded: 1000, amountRefundable: 3999 });
    const over = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId: payment.id, amount: 4000, reason: "Too much" }));
    expect(over.status).toBe(400);
    expect(over.body.error.details.fieldErrors.amount[0]).toContain("3999");
    const rest = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId: payment.id, reason: "The rest" }));
    expect(rest.body.payment).toMatchObject({ status: "refunded", amountRefunded: 4999 });
    const again = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId: payment.id, reason: "Once more" }));
    expect(again.status).toBe(409);
    expect(await db().select().from(refunds).where(eq(refunds.paymentId, payment.id)).all()).toHaveLength(2);
  });

  it("a repeated refund request with the same Idempotency-Key changes nothing", async () => {
    const { payment } = await paidPurchase();
    const admin = await signedInAs("admin");
    const body = { paymentId: payment.id, amount: 500, reason: "Duplicate click" };
    const first = await admin.browser.json("/api/payments/refund", jsonBody(body, { headers: { "Idempotency-Key": "refund-click" } }));
    const second = await admin.browser.json("/api/payments/refund", jsonBody(body, { headers: { "Idempotency-Key": "refund-click" } }));
    expect(second.body).toEqual(first.body);
    expect(await db().select().from(refunds).where(eq(refunds.paymentId, payment.id)).all()).toHaveLength(1);
    expect((await paymentRow(payment.id))!.amountRefunded).toBe(500);
  });

  it("is for admins only and validates its input", async () => {
    const { payment, learner } = await paidPurchase();
    const own = await learner.browser.json("/api/payments/refund", jsonBody({ paymentId: payment.id, reason: "I want my money" }));
    expect(own.status).toBe(403);
    const admin = await signedInAs("admin");
    for (const body of [{}, { paymentId: "nope", reason: "x" }, { paymentId: payment.id, amount: 10.5, reason: "float" }, { paymentId: payment.id, amount: -1, reason: "neg" }]) {
      const res = await admin.browser.json("/api/payments/refund", jsonBody(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    const missing = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId: "pay_00000000000000000000000000", reason: "missing" }));
    expect(missing.status).toBe(404);
    expect((await paymentRow(payment.id))!.amountRefunded).toBe(0);
  });
});

describe("GET /api/payments/history", () => {
  it("lists the caller's payments newest first with refunds, filters and a cursor", async () => {
    const { learner, payment } = await paidPurchase();
    const { course: second } = await insertCourse({ priceAmount: 700 });
    const declined = await buy(learner.browser, { purpose: "course_purchase", courseId: second.id, flow: "payment_method", paymentMethod: "pm_card_chargeDeclined" });
    expect(declined.status).toBe(402);
    const admin = await signedInAs("admin");
    await admin.browser.json("/api/payments/refund", jsonBody({ paymentId: payment.id, amount: 100, reason: "Partial" }));

    const all = await learner.browser.json("/api/payments/history");
    expect(all.body.items.map((p: any) => p.status)).toEqual(["failed", "partially_refunded"]);
    expect(all.body.items[1].refunds).toMatchObject([{ amount: 100, status: "succeeded" }]);
    const page1 = await learner.browser.json("/api/payments/history?limit=1");
    expect(page1.body.items).toHaveLength(1);
    const page2 = await learner.browser.json(`/api/payments/history?limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items[0].id).toBe(payment.id);
    expect(page2.body.nextCursor).toBeNull();
    const failed = await learner.browser.json("/api/payments/history?status=failed");
    expect(failed.body.items).toHaveLength(1);
    const future = await learner.browser.json("/api/payments/history?from=2999-01-01");
    expect(future.body.items).toHaveLength(0);
    expect((await learner.browser.json("/api/payments/history?status=bogus")).status).toBe(400);
    expect((await learner.browser.json("/api/payments/history?limit=1000")).status).toBe(400);

    const other = await signedInAs("student");
    expect((await other.browser.json(`/api/payments/history?userId=${learner.user.id}`)).status).toBe(403);
    expect((await other.browser.json(`/api/payments/${payment.id}`)).status).toBe(404);
    const asAdmin = await admin.browser.json(`/api/payments/history?userId=${learner.user.id}`);
    expect(asAdmin.body.items).toHaveLength(2);
    expect((await learner.browser.json(`/api/payments/${payment.id}`)).body.payment.id).toBe(payment.id);
  });
});

describe("failed and dead events", () => {
  it("an event whose handling keeps failing is retried, dead-lettered, shown to admins and replayable", async () => {
    const { course } = await insertCourse({ priceAmount: 900 });
    const learner = await signedInAs("student");
    const res = await buy(learner.browser, { purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" });
    // Fulfilment cannot succeed while the course row is missing: the handler throws.
    await db().delete(courses).where(eq(courses.id, course.id)).run();
    await deliverWebhooks();
    const failed = await waitFor(async () => {
      const rows = await db().select().from(stripeEvents).where(eq(stripeEvents.type, "payment_intent.succeeded")).all();
      return rows.find((r) => (r.payload as any).data.object.metadata.paymentId === res.body.paymentId && r.status === "failed");
    });
    expect(failed.lastError).toContain("Course not found");
    expect(JSON.stringify(await paymentRow(res.body.paymentId))).toContain('"fulfilledAt":null');

    // After the last attempt the queue hands the message to the dead-letter consumer.
    const batch = createMessageBatch(STRIPE_EVENTS_DEAD_LETTER_QUEUE, [{ id: "dlq-1", timestamp: new Date(), attempts: 1, body: { eventId: failed.id } }]);
    const ctx = createExecutionContext();
    await worker.queue!(batch as MessageBatch<unknown>, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["dlq-1"]);
    expect((await db().select().from(stripeEvents).where(eq(stripeEvents.id, failed.id)).get())!.status).toBe("dead");

    const admin = await signedInAs("admin");
    const page = await admin.browser.fetch("/admin/payments");
    expect(await page.text()).toContain(failed.id);

    await db().insert(courses).values(course).run(); // the cause is fixed
    const replay = await admin.browser.submit("/admin/payments", { intent: "replay", eventId: failed.id });
    expect(replay.status).toBe(200);
    await waitFor(async () => (await db().select().from(stripeEvents).where(eq(stripeEvents.id, failed.id)).get())!.status === "processed");
    await waitForPayment(res.body.paymentId, "succeeded");
    expect((await enrollmentOf(course.id, learner.user.id))[0]!.status).toBe("active");
    const audit = await db().select().from(auditLog).where(eq(auditLog.targetId, failed.id)).all();
    expect(audit.map((a) => a.action)).toEqual(["stripe_event.replayed"]);

    const again = await admin.browser.submit("/admin/payments", { intent: "replay", eventId: failed.id });
    expect(again.status).toBe(409);
  });
});

describe("pages", () => {
  it("history, receipt and the admin refund form", async () => {
    const { learner, payment } = await paidPurchase();
    const history = await learner.browser.fetch(`/account/payments?payment=${payment.id}`);
    const html = await history.text();
    expect(html).toContain("is confirmed");
    expect(html).toContain("$49.99");
    const receipt = await learner.browser.fetch(`/account/payments/${payment.id}`);
    expect(receipt.status).toBe(200);
    expect(await receipt.text()).toContain(payment.id);
    const stranger = await signedInAs("student");
    expect((await stranger.browser.fetch(`/account/payments/${payment.id}`)).status).toBe(404);

    const admin = await signedInAs("admin");
    const found = await admin.browser.fetch(`/admin/payments?q=${learner.user.email}`);
    expect(await found.text()).toContain(payment.id);
    const bad = await admin.browser.submit("/admin/payments", { intent: "refund", paymentId: payment.id, amount: "12.345", reason: "typo" });
    expect(bad.status).toBe(400);
    const over = await admin.browser.submit("/admin/payments", { intent: "refund", paymentId: payment.id, amount: "60.00", reason: "too much" });
    expect(over.status).toBe(400);
    expect(await over.text()).toContain("left to refund");
    // The refund asks first (nothing moves), then acts with confirm=yes.
    const ask = await admin.browser.submit("/admin/payments", { intent: "refund", paymentId: payment.id, amount: "10.00", reason: "Goodwill" });
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain("Refund $10.00 to");
    expect((await paymentRow(payment.id))!.amountRefunded).toBe(0);
    const ok = await admin.browser.submit("/admin/payments", { intent: "refund", paymentId: payment.id, amount: "10.00", reason: "Goodwill", confirm: "yes" });
    expect(ok.status).toBe(200);
    expect((await paymentRow(payment.id))!.amountRefunded).toBe(1000);
  });
});

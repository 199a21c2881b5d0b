import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { createAppContext } from "../../workers/app";
import { REFUND_POLICY } from "~/modules/marketplace/refund-policy";
import { createStripe } from "~/modules/payments/stripe.server";
import { DAY, resetClock, setClock } from "~/utils/clock";
import { settlePendingRefunds } from "~/modules/payments/refunds.server";
import { UNKNOWN_OUTCOME_POLICY } from "~/modules/payments/unknown-outcomes";
import { createId } from "~/utils/ids";
import { auditLog, courseModules, enrollments, payments, refundRequests, refunds } from "~drizzle/schema";
import { db, insertUser, jsonBody, signedInAs, waitFor } from "../helpers";
import { emulator, outboxFor, paymentRow } from "../payments/helpers";
import { syncWebhooks } from "../subscriptions/helpers";
import { insertCourse } from "./helpers";

const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));
type Learner = Awaited<ReturnType<typeof signedInAs>>;

afterEach(async () => {
  resetClock();
  await emulator().clearFaults();
});

/** A paid course with `modules` modules, bought by a fresh learner with a card; access granted. */
async function boughtCourse(opts: { price?: number; modules?: number; learner?: Learner } = {}) {
  const instructor = await insertUser("instructor");
  const course = await insertCourse(instructor.id, { priceAmount: opts.price ?? 4000 });
  const extra = Array.from({ length: (opts.modules ?? 4) - 1 }, (_, i) => ({
    id: createId("module"),
    courseId: course.id,
    position: i + 2,
    title: `Lesson ${i + 2}`,
    r2Key: course.key,
    fileName: "lesson.pdf",
    contentType: "application/pdf",
    sizeBytes: 10,
    createdAt: Date.now(),
  }));
  if (extra.length) await db().insert(courseModules).values(extra).run();
  const learner = opts.learner ?? (await signedInAs("student"));
  const res = await learner.browser.json("/api/courses/purchase", jsonBody({ courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" }));
  expect(res.status).toBe(201);
  const paymentId = res.body.payment.paymentId as string;
  await syncWebhooks();
  await waitFor(async () => (await paymentRow(paymentId))?.fulfilledAt);
  return { course, moduleIds: [course.moduleId, ...extra.map((m) => m.id)], learner, paymentId };
}

const ask = (learner: Learner, body: Record<string, unknown>, key?: string) =>
  learner.browser.json("/api/payments/refund-requests", jsonBody(body, key ? { headers: { "Idempotency-Key": key } } : {}));
const complete = (learner: Learner, courseId: string, moduleId: string) => learner.browser.json(`/api/courses/${courseId}/modules/${moduleId}/complete`, { method: "POST" });
const requestsOf = (paymentId: string) => db().select().from(refundRequests).where(eq(refundRequests.paymentId, paymentId)).all();
const refundsOf = (paymentId: string) => db().select().from(refunds).where(eq(refunds.paymentId, paymentId)).all();
const enrollmentOf = (paymentId: string) => db().select().from(enrollments).where(eq(enrollments.paymentId, paymentId)).get();
async function stripeRefundsOf(paymentId: string) {
  const payment = await paymentRow(paymentId);
  return (await createStripe(app()).refunds.list({ payment_intent: payment!.stripePaymentIntentId!, limit: 100 })).data;
}

describe("self-service refunds", () => {
  it("a request within the window is granted at once: refunded at Stripe, access ended, audited, emailed", async () => {
    const { learner, paymentId, course } = await boughtCourse({ price: 4000 });
    await complete(learner, course.id, course.moduleId); // 1 of 4 = 25 %, within the 30 % rule
    const res = await ask(learner, { paymentId, reason: "Not what I expected" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ created: true, request: { status: "granted", refusal: null, amount: 4000, currency: "usd", reason: "Not what I expected" }, refund: { amount: 4000, status: "succeeded" } });
    expect(await stripeRefundsOf(paymentId)).toMatchObject([{ amount: 4000, status: "succeeded" }]);
    expect(await paymentRow(paymentId)).toMatchObject({ status: "refunded", amountRefunded: 4000, amountRefundPending: 0 });
    expect((await enrollmentOf(paymentId))?.status).toBe("revoked");
    const [row] = await requestsOf(paymentId);
    expect(row).toMatchObject({ status: "granted", completedModules: 1, totalModules: 4, refundId: res.body.refund.id });
    const audit = await db().select().from(auditLog).where(eq(auditLog.targetId, row!.id)).all();
    expect(audit.map((a) => a.action)).toEqual(["refund_request.granted"]);
    expect(audit[0]!.actorId).toBe(learner.user.id);
    const mails = await waitFor(async () => {
      const m = (await outboxFor(learner.user.email)).filter((e) => e.template === "refund-issued");
      return m.length ? m : undefined;
    });
    expect(mails).toHaveLength(1);
    // Asking again answers the same request; nothing more moves.
    const again = await ask(learner, { paymentId });
    expect(again.status).toBe(200);
    expect(again.body.request.id).toBe(row!.id);
    expect(await refundsOf(paymentId)).toHaveLength(1);
  });

  it("eight requests at once (two tabs, double clicks) make one request and one refund, in D1 and at Stripe", async () => {
    const { learner, paymentId } = await boughtCourse({ price: 2500 });
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(learner, { paymentId }, i % 2 ? `tab-${i}` : undefined)));
    const statuses = responses.map((r) => r.status).sort();
    for (const s of statuses) expect([200, 201, 409]).toContain(s);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    const ids = new Set(responses.filter((r) => r.status < 300).map((r) => r.body.request.id));
    expect(ids.size).toBe(1);
    expect(await requestsOf(paymentId)).toHaveLength(1);
    expect(await refundsOf(paymentId)).toMatchObject([{ amount: 2500, status: "succeeded" }]);
    expect(await stripeRefundsOf(paymentId)).toHaveLength(1);
    expect(await paymentRow(paymentId)).toMatchObject({ status: "refunded", amountRefunded: 2500 });
  });

  it("refuses after the window, records why, emails the learner, and refunds nothing", async () => {
    const { learner, paymentId } = await boughtCourse();
    // Paid 31 days ago (the Worker serving the API keeps its own clock, so the payment moves back).
    const paidAt = Date.now() - (REFUND_POLICY.windowDays + 1) * DAY;
    await db().update(payments).set({ succeededAt: paidAt }).where(eq(payments.id, paymentId)).run();
    const res = await ask(learner, { paymentId });
    expect(res.status).toBe(201);
    expect(res.body.request).toMatchObject({ status: "refused", refusal: "window", refundId: null });
    expect(res.body.request.refusalReason).toMatch(/30-day refund window for this purchase ended on/);
    expect(res.body.refund).toBeNull();
    expect(await refundsOf(paymentId)).toHaveLength(0);
    expect(await stripeRefundsOf(paymentId)).toHaveLength(0);
    expect((await enrollmentOf(paymentId))?.status).toBe("active");
    expect(await paymentRow(paymentId)).toMatchObject({ status: "succeeded", amountRefundPending: 0 });
    const mail = await waitFor(async () => (await outboxFor(learner.user.email)).find((e) => e.template === "refund-request-answered"));
    expect(mail.subject).toContain("was not granted");
    expect(mail.text).toContain("refund window");
  });

  it("refuses when more than 30 % of the modules are completed", async () => {
    const { learner, paymentId, course, moduleIds } = await boughtCourse({ modules: 4 });
    await complete(learner, course.id, moduleIds[0]!);
    await complete(learner, course.id, moduleIds[1]!);
    const res = await ask(learner, { paymentId });
    expect(res.body.request).toMatchObject({ status: "refused", refusal: "progress" });
    expect(res.body.request.refusalReason).toBe("You completed 2 of 4 modules, more than the 30% a refund allows.");
    expect(await refundsOf(paymentId)).toHaveLength(0);
  });

  it("refuses after completing the course (its certificate exists)", async () => {
    const { learner, paymentId, course } = await boughtCourse({ modules: 1 });
    await complete(learner, course.id, course.moduleId);
    expect((await enrollmentOf(paymentId))?.completedAt).toBeTruthy();
    const res = await ask(learner, { paymentId });
    expect(res.body.request).toMatchObject({ status: "refused", refusal: "certificate" });
    expect(await refundsOf(paymentId)).toHaveLength(0);
  });

  it("refuses after the limit of refunds in 12 months, counting only the last 12 months", async () => {
    const learner = await signedInAs("student");
    for (let i = 0; i < REFUND_POLICY.maxRefundsPer12Months; i++) {
      const { paymentId } = await boughtCourse({ learner, price: 1000 + i });
      expect((await ask(learner, { paymentId })).body.request.status).toBe("granted");
    }
    const { paymentId } = await boughtCourse({ learner, price: 1500 });
    const refused = await ask(learner, { paymentId });
    expect(refused.body.request).toMatchObject({ status: "refused", refusal: "refund_limit" });
    expect(refused.body.request.refusalReason).toContain(`${REFUND_POLICY.maxRefundsPer12Months} refunds in the last 12 months`);
    // Refunds older than 12 months do not count: the oldest one moves back 13 months.
    const [oldest] = await db().select().from(refundRequests).where(and(eq(refundRequests.userId, learner.user.id), eq(refundRequests.status, "granted"))).orderBy(refundRequests.id).limit(1).all();
    await db().update(refundRequests).set({ createdAt: Date.now() - 400 * DAY }).where(eq(refundRequests.id, oldest!.id)).run();
    const { paymentId: next } = await boughtCourse({ learner, price: 1600 });
    expect((await ask(learner, { paymentId: next })).body.request.status).toBe("granted");
  });

  it("rejects bad input and other learners' payments, and changes nothing", async () => {
    const { learner, paymentId } = await boughtCourse();
    const other = await signedInAs("student");
    const cases: Array<[Learner, unknown, number, string]> = [
      [learner, { paymentId: "42" }, 400, "validation_failed"],
      [learner, { paymentId, amount: 100 }, 400, "validation_failed"],
      [learner, { paymentId, reason: "x".repeat(501) }, 400, "validation_failed"],
      [learner, { paymentId, review: "yes" }, 400, "validation_failed"],
      [learner, { paymentId: `pay_${"0".repeat(26)}` }, 404, "not_found"],
      [other, { paymentId }, 404, "not_found"],
    ];
    for (const [who, body, status, code] of cases) {
      const res = await ask(who, body as Record<string, unknown>);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
    const anonymous = await new (await import("../helpers")).Browser().json("/api/payments/refund-requests", jsonBody({ paymentId }));
    expect(anonymous.status).toBe(401);
    expect(await requestsOf(paymentId)).toHaveLength(0);
    expect(await refundsOf(paymentId)).toHaveLength(0);
    expect(await paymentRow(paymentId)).toMatchObject({ status: "succeeded", amountRefunded: 0, amountRefundPending: 0 });
  });

  it("a granted request whose Stripe answer is lost stays granted with its refund pending, settled by the sync", async () => {
    const { learner, paymentId } = await boughtCourse({ price: 3000 });
    await emulator().fault({ type: "500", after: true, count: 3, path: "/v1/refunds" });
    const res = await ask(learner, { paymentId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ request: { status: "granted" }, refund: { status: "pending", amount: 3000 } });
    await emulator().clearFaults();
    // A second click answers the same request; it never reserves a second refund.
    expect((await ask(learner, { paymentId })).body.request.id).toBe(res.body.request.id);
    await syncWebhooks();
    await waitFor(async () => (await paymentRow(paymentId))?.status === "refunded");
    expect(await refundsOf(paymentId)).toMatchObject([{ status: "succeeded", amount: 3000 }]);
    expect(await stripeRefundsOf(paymentId)).toHaveLength(1);
  });
});

describe("a granted refund Stripe never received", () => {
  it("is re-sent by the next click, and once the payments cron gives up it frees the payment for a new request", async () => {
    const { learner, paymentId } = await boughtCourse({ price: 2200 });
    // Stripe never makes the refund: every create (and the SDK's retries) fails before acting.
    await emulator().fault({ type: "500", count: 6, path: "/v1/refunds", method: "POST" });
    const first = await ask(learner, { paymentId });
    expect(first.body).toMatchObject({ created: true, request: { status: "granted" }, refund: { status: "pending" } });
    const again = await ask(learner, { paymentId });
    expect(again.body).toMatchObject({ created: false, request: { id: first.body.request.id, status: "granted" }, refund: { status: "pending" } });
    expect(await stripeRefundsOf(paymentId)).toHaveLength(0);

    // The cron gives up after the bound (docs/decisions/010): the refund is failed, its amount free.
    const later = Date.now() + UNKNOWN_OUTCOME_POLICY.giveUpAfterMs + 60_000;
    setClock(() => later);
    await settlePendingRefunds(app());
    resetClock();
    expect((await refundsOf(paymentId))[0]).toMatchObject({ status: "failed" });
    // The receipt shows the request failed, and asking again is a new request, granted and refunded.
    await emulator().clearFaults();
    expect(await (await learner.browser.fetch(`/account/payments/${paymentId}`)).text()).toContain("Refund failed");
    const retry = await ask(learner, { paymentId });
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ created: true, request: { status: "granted" }, refund: { status: "succeeded", amount: 2200 } });
    expect((await requestsOf(paymentId)).map((r) => r.status).sort()).toEqual(["failed", "granted"]);
    expect(await stripeRefundsOf(paymentId)).toMatchObject([{ amount: 2200, status: "succeeded" }]);
    expect(await paymentRow(paymentId)).toMatchObject({ status: "refunded", amountRefunded: 2200, amountRefundPending: 0 });
  });
});

describe("the review queue", () => {
  async function refusedInReview() {
    const bought = await boughtCourse({ modules: 1, price: 2000 });
    await complete(bought.learner, bought.course.id, bought.course.moduleId);
    const res = await ask(bought.learner, { paymentId: bought.paymentId, reason: "The videos would not play", review: true });
    expect(res.body.request).toMatchObject({ status: "in_review", refusal: "certificate", reviewNote: "The videos would not play" });
    return { ...bought, requestId: res.body.request.id as string };
  }

  it("an admin approves: one refund even when two admins approve at once, audited, the learner emailed", async () => {
    const { paymentId, requestId, learner } = await refusedInReview();
    const admin = await signedInAs("admin");
    const page = await admin.browser.fetch("/admin/refund-requests");
    expect(await page.text()).toContain("The videos would not play");
    // The first POST only asks to confirm.
    const confirm = await admin.browser.submit("/admin/refund-requests", { requestId, decision: "approve" });
    expect(await confirm.text()).toContain("Approve and refund $20.00");
    expect(await refundsOf(paymentId)).toHaveLength(0);
    const [a, b] = await Promise.all([
      admin.browser.submit("/admin/refund-requests", { requestId, decision: "approve", confirm: "yes" }),
      admin.browser.submit("/admin/refund-requests", { requestId, decision: "approve", confirm: "yes" }),
    ]);
    const texts = [await a.text(), await b.text()];
    expect(texts.filter((t) => t.includes("Approved after review: refunded"))).toHaveLength(1);
    expect(texts.filter((t) => t.includes("already decided"))).toHaveLength(1);
    expect(await refundsOf(paymentId)).toMatchObject([{ amount: 2000, status: "succeeded", requestedBy: admin.user.id }]);
    expect(await stripeRefundsOf(paymentId)).toHaveLength(1);
    expect((await requestsOf(paymentId))[0]).toMatchObject({ status: "approved", decidedBy: admin.user.id });
    const actions = (await db().select().from(auditLog).where(eq(auditLog.targetId, requestId)).all()).map((x) => x.action).sort();
    expect(actions).toEqual(["refund_request.approved", "refund_request.refused", "refund_request.review_requested"]);
    await waitFor(async () => (await outboxFor(learner.user.email)).find((e) => e.template === "refund-issued"));
  });

  it("an admin declines with a note: nothing refunded, the learner gets the note; a decline needs a note", async () => {
    const { paymentId, requestId, learner } = await refusedInReview();
    const admin = await signedInAs("admin");
    const noNote = await admin.browser.submit("/admin/refund-requests", { requestId, decision: "decline" });
    expect(noNote.status).toBe(400);
    expect((await requestsOf(paymentId))[0]!.status).toBe("in_review");
    const declined = await admin.browser.submit("/admin/refund-requests", { requestId, decision: "decline", note: "The videos play for everyone else; please contact support." });
    expect(await declined.text()).toContain("Declined");
    expect((await requestsOf(paymentId))[0]).toMatchObject({ status: "declined", decisionNote: "The videos play for everyone else; please contact support." });
    expect(await refundsOf(paymentId)).toHaveLength(0);
    expect((await enrollmentOf(paymentId))?.status).toBe("active");
    const mail = await waitFor(async () => (await outboxFor(learner.user.email)).find((e) => e.template === "refund-request-answered" && e.subject.includes("reviewed")));
    expect(mail.text).toContain("please contact support");
    // A decided request cannot be decided again; a learner cannot decide at all.
    const again = await admin.browser.submit("/admin/refund-requests", { requestId, decision: "approve", confirm: "yes" });
    expect(await again.text()).toContain("already decided");
    const self = await learner.browser.submit("/admin/refund-requests", { requestId, decision: "approve", confirm: "yes" });
    expect(self.status).toBe(403);
    expect(await refundsOf(paymentId)).toHaveLength(0);
  });

  it("the receipt asks to confirm before anything moves, then refunds", async () => {
    const { learner, paymentId } = await boughtCourse({ price: 1800 });
    const receipt = await learner.browser.fetch(`/account/payments/${paymentId}`);
    const html = await receipt.text();
    expect(html).toContain("30-day refunds");
    expect(html).toContain("Ask for a refund");
    const first = await learner.browser.submit(`/account/payments/${paymentId}`, { intent: "refund-request", paymentId });
    expect(await first.text()).toContain("Ask for a refund of $18.00?");
    expect(await requestsOf(paymentId)).toHaveLength(0);
    const confirmed = await learner.browser.submit(`/account/payments/${paymentId}`, { intent: "refund-request", paymentId, confirm: "yes" });
    expect(await confirmed.text()).toContain("Refunded: $18.00 goes back to your card");
    expect(await requestsOf(paymentId)).toMatchObject([{ status: "granted" }]);
    expect((await db().select().from(payments).where(eq(payments.id, paymentId)).get())?.status).toBe("refunded");
  });
});

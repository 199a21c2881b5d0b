import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { createAppContext } from "../../workers/app";
import { coursePurchasePurpose } from "~/modules/marketplace/purchase.server";
import { entriesForPayment, split } from "~/modules/marketplace/earnings.server";
import type { PaymentForPurpose } from "~/modules/payments/purposes";
import { DAY, setClock } from "~/utils/clock";
import { createId } from "~/utils/ids";
import { courses, enrollments, payments } from "~drizzle/schema";
import { db, insertUser, jsonBody, signedInAs, waitFor } from "../helpers";
import { deliverWebhooks, emulator } from "../payments/helpers";
import { insertCourse } from "./helpers";

const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));
const enrollmentOf = (courseId: string, userId: string) =>
  db().select().from(enrollments).where(and(eq(enrollments.courseId, courseId), eq(enrollments.userId, userId))).get();
const courseRow = (id: string) => db().select().from(courses).where(eq(courses.id, id)).get();

/** A payments-shaped object, as the payments capability hands it to the purpose. */
function paymentFor(courseId: string, userId: string, amount: number, amountRefunded = 0): PaymentForPurpose {
  return { id: createId("payment"), userId, purpose: "course_purchase", purposeRef: courseId, amount, currency: "usd", amountRefunded, metadata: {} };
}

describe("70/30 split", () => {
  it("parts always sum to the whole; the instructor gets the leftover unit", () => {
    for (let amount = 0; amount <= 20_000; amount += 1) {
      const { instructor, platform } = split(amount);
      expect(instructor + platform).toBe(amount);
      // Instructor: floor(70%) plus the one leftover unit when 70% and 30% both have fractions.
      expect(instructor - Math.floor((amount * 70) / 100)).toBe((amount * 70) % 100 === 0 ? 0 : 1);
      expect(platform).toBe(Math.floor((amount * 30) / 100));
    }
    expect(split(1999)).toEqual({ instructor: 1400, platform: 599 });
    expect(split(1)).toEqual({ instructor: 1, platform: 0 });
    expect(split(Number.MAX_SAFE_INTEGER - 1).instructor + split(Number.MAX_SAFE_INTEGER - 1).platform).toBe(Number.MAX_SAFE_INTEGER - 1);
  });
});

describe("coursePurchasePurpose", () => {
  it("quotes published paid courses only, refuses the enrolled and the instructor", async () => {
    const instructor = await insertUser("instructor");
    const learner = await insertUser("student");
    const paid = await insertCourse(instructor.id, { priceAmount: 2500 });
    const quote = await coursePurchasePurpose.quote(app(), { ...learner, sessionId: null, via: "session" }, { purpose: "course_purchase", courseId: paid.id });
    expect(quote).toMatchObject({ amount: 2500, currency: "usd", purposeRef: paid.id, description: `Course: ${paid.title}` });

    const s = { ...learner, sessionId: null, via: "session" as const };
    const free = await insertCourse(instructor.id, { priceAmount: 0 });
    const draft = await insertCourse(instructor.id, { priceAmount: 900, status: "draft" });
    await expect(coursePurchasePurpose.quote(app(), s, { courseId: free.id })).rejects.toMatchObject({ status: 409 });
    await expect(coursePurchasePurpose.quote(app(), s, { courseId: draft.id })).rejects.toMatchObject({ status: 404 });
    await expect(coursePurchasePurpose.quote(app(), s, { courseId: "nope" })).rejects.toMatchObject({ status: 400 });
    await expect(coursePurchasePurpose.quote(app(), { ...instructor, sessionId: null, via: "session" }, { courseId: paid.id })).rejects.toMatchObject({ status: 409 });
    await coursePurchasePurpose.fulfil(app(), paymentFor(paid.id, learner.id, 2500));
    await expect(coursePurchasePurpose.quote(app(), s, { courseId: paid.id })).rejects.toMatchObject({ status: 409 });
  });

  it("fulfil grants access and records the split of the amount paid, once", async () => {
    const instructor = await insertUser("instructor");
    const learner = await insertUser("student");
    const course = await insertCourse(instructor.id, { priceAmount: 2999 });
    const payment = paymentFor(course.id, learner.id, 2399); // paid less than list (a discount)
    await coursePurchasePurpose.fulfil(app(), payment);
    await coursePurchasePurpose.fulfil(app(), payment); // redelivered
    expect(await enrollmentOf(course.id, learner.id)).toMatchObject({ status: "active", source: "purchase", paymentId: payment.id, amountPaid: 2399 });
    const entries = await entriesForPayment(app(), payment.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: "sale", grossAmount: 2399, instructorAmount: 1680, platformAmount: 719, instructorId: instructor.id, payoutId: null });
    expect(entries[0]!.availableAt - entries[0]!.createdAt).toBe(30 * DAY);
    expect((await courseRow(course.id))!.enrollmentCount).toBe(1);
  });

  it("a full refund inside the hold revokes access and reverses the earning, once", async () => {
    const instructor = await insertUser("instructor");
    const learner = await insertUser("student");
    const course = await insertCourse(instructor.id, { priceAmount: 1999 });
    const payment = paymentFor(course.id, learner.id, 1999);
    await coursePurchasePurpose.fulfil(app(), payment);
    const refunded = { ...payment, amountRefunded: 1999 };
    await coursePurchasePurpose.reverse(app(), refunded, { id: "ref_1", amount: 1999 });
    await coursePurchasePurpose.reverse(app(), refunded, { id: "ref_1", amount: 1999 }); // redelivered
    expect((await enrollmentOf(course.id, learner.id))!.status).toBe("revoked");
    expect((await courseRow(course.id))!.enrollmentCount).toBe(0);
    const entries = await entriesForPayment(app(), payment.id);
    expect(entries.map((e) => [e.kind, e.grossAmount, e.instructorAmount, e.platformAmount])).toEqual([
      ["sale", 1999, 1400, 599],
      ["reversal", -1999, -1400, -599],
    ]);
    expect(entries[1]!.reversesId).toBe(entries[0]!.id);
  });

  it("partial refunds reverse with the cumulative rule and end exactly at zero", async () => {
    const instructor = await insertUser("instructor");
    const learner = await insertUser("student");
    const course = await insertCourse(instructor.id, { priceAmount: 1001 });
    const payment = paymentFor(course.id, learner.id, 1001);
    await coursePurchasePurpose.fulfil(app(), payment);
    let refunded = 0;
    for (const [i, amount] of [333, 1, 333, 334].entries()) {
      refunded += amount;
      await coursePurchasePurpose.reverse(app(), { ...payment, amountRefunded: refunded }, { id: `ref_p${i}`, amount });
      const entries = await entriesForPayment(app(), payment.id);
      const net = entries.reduce((a, e) => ({ i: a.i + e.instructorAmount, p: a.p + e.platformAmount }), { i: 0, p: 0 });
      expect(net).toEqual({ i: split(1001 - refunded).instructor, p: split(1001 - refunded).platform });
      const last = entries[entries.length - 1]!;
      expect(-(last.instructorAmount + last.platformAmount)).toBe(amount);
      // Access stays until the payment is refunded in full.
      expect((await enrollmentOf(course.id, learner.id))!.status).toBe(refunded < 1001 ? "active" : "revoked");
    }
  });

  it("a refund after the 30-day hold removes access but leaves the earning", async () => {
    const instructor = await insertUser("instructor");
    const learner = await insertUser("student");
    const course = await insertCourse(instructor.id, { priceAmount: 5000 });
    const payment = paymentFor(course.id, learner.id, 5000);
    await coursePurchasePurpose.fulfil(app(), payment);
    const later = Date.now() + 31 * DAY;
    setClock(() => later);
    await coursePurchasePurpose.reverse(app(), { ...payment, amountRefunded: 5000 }, { id: "ref_late", amount: 5000 });
    expect((await enrollmentOf(course.id, learner.id))!.status).toBe("revoked");
    expect((await entriesForPayment(app(), payment.id)).map((e) => e.kind)).toEqual(["sale"]);
  });

  it("buying again after a refund re-activates access with the new payment", async () => {
    const instructor = await insertUser("instructor");
    const learner = await insertUser("student");
    const course = await insertCourse(instructor.id, { priceAmount: 1500 });
    const first = paymentFor(course.id, learner.id, 1500);
    await coursePurchasePurpose.fulfil(app(), first);
    await coursePurchasePurpose.reverse(app(), { ...first, amountRefunded: 1500 }, { id: "ref_again", amount: 1500 });
    const second = paymentFor(course.id, learner.id, 1500);
    await coursePurchasePurpose.fulfil(app(), second);
    expect(await enrollmentOf(course.id, learner.id)).toMatchObject({ status: "active", paymentId: second.id, revokedAt: null });
  });
});

describe("POST /api/courses/purchase", () => {
  beforeEach(async () => {
    await emulator().clearFaults();
    await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
  });

  it("pays through the emulator; the webhook grants access and a pending earning; a refund revokes and reverses", async () => {
    const instructor = await insertUser("instructor");
    const course = await insertCourse(instructor.id, { priceAmount: 4999 });
    const learner = await signedInAs("student");
    const res = await learner.browser.json("/api/courses/purchase", jsonBody({ courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "payment_started", courseId: course.id, payment: { amount: 4999, currency: "usd" } });
    expect(await enrollmentOf(course.id, learner.user.id)).toBeUndefined(); // not before the webhook
    await deliverWebhooks();
    const enrollment = await waitFor(async () => {
      const e = await enrollmentOf(course.id, learner.user.id);
      return e?.status === "active" ? e : undefined;
    });
    expect(enrollment.paymentId).toBe(res.body.payment.paymentId);
    const [sale] = await entriesForPayment(app(), enrollment.paymentId!);
    expect(sale).toMatchObject({ kind: "sale", grossAmount: 4999, instructorAmount: 3500, platformAmount: 1499 });

    const again = await learner.browser.json("/api/courses/purchase", jsonBody({ courseId: course.id }));
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("already_enrolled");
    expect(await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all()).toHaveLength(1);

    const admin = await signedInAs("admin");
    const refund = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId: enrollment.paymentId, reason: "Changed mind" }));
    expect(refund.status).toBe(200);
    await waitFor(async () => (await enrollmentOf(course.id, learner.user.id))?.status === "revoked");
    const entries = await waitFor(async () => {
      const rows = await entriesForPayment(app(), enrollment.paymentId!);
      return rows.length === 2 ? rows : undefined;
    });
    expect(entries[1]).toMatchObject({ kind: "reversal", grossAmount: -4999, instructorAmount: -3500, platformAmount: -1499 });
  });

  it("enrolls in a free course at once, without a payment", async () => {
    const instructor = await insertUser("instructor");
    const course = await insertCourse(instructor.id, { priceAmount: 0 });
    const learner = await signedInAs("student");
    const res = await learner.browser.json("/api/courses/purchase", jsonBody({ courseId: course.id }));
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("enrolled");
    expect(await enrollmentOf(course.id, learner.user.id)).toMatchObject({ status: "active", source: "free", amountPaid: 0 });
    expect((await learner.browser.json("/api/courses/purchase", jsonBody({ courseId: course.id }))).body.status).toBe("already_enrolled");
    expect(await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all()).toEqual([]);
  });

  it("honours Idempotency-Key: the same key and body start one payment", async () => {
    const instructor = await insertUser("instructor");
    const course = await insertCourse(instructor.id, { priceAmount: 1200 });
    const learner = await signedInAs("student");
    const send = (body: unknown) => learner.browser.json("/api/courses/purchase", jsonBody(body, { headers: { "Idempotency-Key": "buy-1" } }));
    const first = await send({ courseId: course.id });
    const again = await send({ courseId: course.id });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.payment.paymentId).toBe(first.body.payment.paymentId);
    expect(again.response.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all()).toHaveLength(1);
    const other = await send({ courseId: createId("course") });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("idempotency_conflict");
  });

  it("rejects malformed input and unknown or unpublished courses", async () => {
    const instructor = await insertUser("instructor");
    const draft = await insertCourse(instructor.id, { status: "draft", priceAmount: 900 });
    const learner = await signedInAs("student");
    expect((await learner.browser.json("/api/courses/purchase", jsonBody({}))).status).toBe(400);
    expect((await learner.browser.json("/api/courses/purchase", jsonBody({ courseId: 5 }))).status).toBe(400);
    expect((await learner.browser.json("/api/courses/purchase", { method: "POST", body: "x" })).status).toBe(400);
    expect((await learner.browser.json("/api/courses/purchase", jsonBody({ courseId: createId("course") }))).status).toBe(404);
    expect((await learner.browser.json("/api/courses/purchase", jsonBody({ courseId: draft.id }))).status).toBe(404);
  });
});

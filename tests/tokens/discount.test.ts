import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { enrollments, payments } from "~drizzle/schema";
import { db, insertUser, jsonBody, signedInAs, waitFor } from "../helpers";
import { insertCourse } from "../marketplace/helpers";
import { deliverWebhooks, emulator, paymentRow, waitForPayment } from "../payments/helpers";
import { stripe } from "../subscriptions/helpers";
import { credit, projected, wallet } from "./helpers";

const state = async (userId: string) => {
  const s = await wallet(userId).snapshot({ userId, at: Date.now(), timeZone: "UTC" });
  return { balance: s.balance, held: s.held };
};
const enrollmentOf = (courseId: string, userId: string) =>
  db().select().from(enrollments).where(and(eq(enrollments.courseId, courseId), eq(enrollments.userId, userId))).get();

describe("paying part of a course with tokens (holds through the payment's life)", () => {
  beforeEach(async () => {
    await emulator().clearFaults();
    await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
  });

  it("holds at creation, captures on success, returns on refund and claws back what the course earned", async () => {
    const instructor = await insertUser("instructor");
    const course = await insertCourse(instructor.id, { priceAmount: 4999 });
    const learner = await signedInAs("student");
    await credit(learner.user.id, 1000);
    const buy = (body: Record<string, unknown>) =>
      learner.browser.json("/api/courses/purchase", jsonBody({ courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa", ...body }));

    // More than the balance covers: refused before any payment exists; nothing held.
    const tooMany = await buy({ tokens: 3000 });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.error.details.reason).toBe("insufficient_balance");
    expect(await db().select().from(payments).where(eq(payments.userId, learner.user.id)).all()).toHaveLength(0);
    for (const tokens of [0, -5, 1.5, "100"]) expect((await buy({ tokens })).status).toBe(400);
    expect(await state(learner.user.id)).toEqual({ balance: 1000, held: 0 });

    const res = await buy({ tokens: 1000 });
    expect(res.status).toBe(201);
    expect(res.body.payment.amount).toBe(3999); // 1000 tokens = $10.00 off
    const paymentId = res.body.payment.paymentId;
    expect((await paymentRow(paymentId))!.metadata).toMatchObject({ tokensHeld: "1000", tokenDiscount: "1000", listAmount: "4999" });
    expect(await state(learner.user.id)).toEqual({ balance: 0, held: 1000 });

    await deliverWebhooks();
    await waitFor(async () => (await enrollmentOf(course.id, learner.user.id))?.status === "active");
    expect(await state(learner.user.id)).toEqual({ balance: 0, held: 0 });

    // The learner completes the course (earns 10 + 100), then an admin refunds in full.
    await learner.browser.json(`/api/courses/${course.id}/modules/${course.moduleId}/complete`, { method: "POST" });
    expect((await state(learner.user.id)).balance).toBe(110);
    const admin = await signedInAs("admin");
    expect((await admin.browser.json("/api/payments/refund", jsonBody({ paymentId, reason: "Changed mind" }))).status).toBe(200);
    await waitFor(async () => (await enrollmentOf(course.id, learner.user.id))?.status === "revoked");
    const after = await waitFor(async () => {
      const entries = await wallet(learner.user.id).entries({ userId: learner.user.id });
      return entries.some((e) => e.type === "clawback") ? entries : undefined;
    });
    expect(after.map((e) => [e.type, e.amount, e.heldDelta])).toEqual([
      ["award", 1000, 0],
      ["hold", -1000, 1000],
      ["redeem", 0, -1000],
      ["award", 10, 0],
      ["award", 100, 0],
      ["release", 1000, 0],
      ["clawback", -110, 0],
    ]);
    expect(await state(learner.user.id)).toEqual({ balance: 1000, held: 0 });
    const sums = await projected(learner.user.id);
    expect([sums.amount, sums.held]).toEqual([1000, 0]);
  });

  it("a declined card releases the hold at once", async () => {
    const instructor = await insertUser("instructor");
    const course = await insertCourse(instructor.id, { priceAmount: 2000 });
    const learner = await signedInAs("student");
    await credit(learner.user.id, 800);
    const res = await learner.browser.json(
      "/api/courses/purchase",
      jsonBody({ courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_chargeDeclinedInsufficientFunds", tokens: 500 }),
    );
    expect(res.status).toBe(402);
    expect(await state(learner.user.id)).toEqual({ balance: 800, held: 0 });
  });

  it("an expired Checkout releases the hold; the redeem endpoint starts the discounted checkout", async () => {
    const instructor = await insertUser("instructor");
    const course = await insertCourse(instructor.id, { priceAmount: 1000 });
    const learner = await signedInAs("student");
    await credit(learner.user.id, 900);
    const res = await learner.browser.json("/api/tokens/redeem", jsonBody({ item: "course_discount", courseId: course.id, tokens: 900 }, { headers: { "Idempotency-Key": "disc-1" } }));
    expect(res.status).toBe(201);
    // Capped at half the price: 500 tokens for $5.00 off.
    expect(res.body.payment).toMatchObject({ amount: 500, nextAction: { type: "redirect_to_checkout" } });
    expect(await state(learner.user.id)).toEqual({ balance: 400, held: 500 });
    const replay = await learner.browser.json("/api/tokens/redeem", jsonBody({ item: "course_discount", courseId: course.id, tokens: 900 }, { headers: { "Idempotency-Key": "disc-1" } }));
    expect(replay.body.payment.paymentId).toBe(res.body.payment.paymentId);
    expect(await state(learner.user.id)).toEqual({ balance: 400, held: 500 });

    const row = (await paymentRow(res.body.payment.paymentId))!;
    await stripe().checkout.sessions.expire(row.stripeCheckoutSessionId!);
    await deliverWebhooks();
    await waitForPayment(row.id, "canceled");
    await waitFor(async () => (await state(learner.user.id)).held === 0);
    expect(await state(learner.user.id)).toEqual({ balance: 900, held: 0 });
  });

  it("tokens pay only for courses", async () => {
    const learner = await signedInAs("student");
    await credit(learner.user.id, 900);
    const res = await learner.browser.json("/api/payments/process", jsonBody({ purpose: "subscription", tier: "pro", interval: "month", tokens: 100 }));
    expect(res.status).toBe(400);
    expect(await state(learner.user.id)).toEqual({ balance: 900, held: 0 });
  });
});

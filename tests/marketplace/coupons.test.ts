import { env } from "cloudflare:test";
import { and, eq, inArray } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAppContext } from "../../workers/app";
import type { SessionUser } from "~/modules/auth/session.server";
import { createCoupon, deactivateCoupon, listCoupons } from "~/modules/marketplace/coupons.server";
import { priceBreakdown } from "~/modules/marketplace/price-breakdown";
import { processPayment } from "~/modules/payments/process.server";
import { DAY, resetClock, setClock } from "~/utils/clock";
import { createId } from "~/utils/ids";
import { couponRedemptions, payments } from "~drizzle/schema";
import { db, insertUser, jsonBody, signedInAs } from "../helpers";
import { deliverWebhooks, emulator, paymentRow, waitForPayment } from "../payments/helpers";
import { stripe } from "../subscriptions/helpers";
import { credit } from "../tokens/helpers";
import { insertCourse } from "./helpers";

const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));
const session = (u: Awaited<ReturnType<typeof insertUser>>): SessionUser => ({ ...u, sessionId: null, via: "session" });
const code = () => `T${crypto.randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`;
const redemptionsOf = (couponId: string) => db().select().from(couponRedemptions).where(eq(couponRedemptions.couponId, couponId)).all();
const live = async (couponId: string) => (await redemptionsOf(couponId)).filter((r) => r.status !== "released");
const buy = (user: SessionUser, courseId: string, promotionCode: string, extra: Record<string, unknown> = {}) =>
  processPayment(app(), user, { purpose: "course_purchase", courseId, promotionCode, ...extra }).then(
    (r) => ({ ok: true as const, r }),
    (e) => ({ ok: false as const, e }),
  );

beforeEach(async () => {
  await emulator().clearFaults();
  await emulator().configure({ paused: true });
});
afterEach(() => resetClock());

async function adminCoupon(fields: Record<string, string>) {
  const admin = session(await insertUser("admin"));
  return createCoupon(app(), admin, { code: code(), kind: "percent", percent: "25", scope: "catalog", ...fields });
}

describe("promotion codes on course purchases", () => {
  it("applies after the tier and before tokens, as the breakdown says; the payment's metadata carries the breakdown", async () => {
    const instructor = await insertUser("instructor");
    const course = await insertCourse(instructor.id, { priceAmount: 1999 });
    const coupon = await adminCoupon({ kind: "amount", amount: "5.00", currency: "usd" });
    const learner = session(await insertUser("student"));
    await credit(learner.id, 10_000);
    const result = await buy(learner, course.id, coupon.code.toLowerCase(), { tokens: 10_000 });
    expect(result.ok).toBe(true);
    const expected = priceBreakdown({ listPrice: 1999, currency: "usd", tierBps: 0, coupon: { code: coupon.code, terms: { kind: "amount", amountOff: 500 } }, tokensOffered: 10_000 });
    const row = (await paymentRow((result as any).r.paymentId))!;
    expect(row.amount).toBe(expected.total);
    expect(row.metadata).toMatchObject({ listPrice: "1999", couponCode: coupon.code, couponDiscount: "500", tokenDiscount: String(expected.tokens.discount), couponId: coupon.id });
    expect(await live(coupon.id)).toEqual([expect.objectContaining({ status: "reserved", paymentId: row.id, discountAmount: 500, paidAmount: 1499 })]);
  });

  it("10 uses left, 50 simultaneous Checkouts: exactly 10 reserved; paying them redeems exactly 10", async () => {
    const instructor = await insertUser("instructor");
    const course = await insertCourse(instructor.id, { priceAmount: 3000 });
    const coupon = await adminCoupon({ maxRedemptions: "10" });
    const learners = await Promise.all(Array.from({ length: 50 }, () => insertUser("student").then(session)));
    const results = await Promise.all(learners.map((l) => buy(l, course.id, coupon.code)));
    const started = results.filter((r) => r.ok);
    expect(started).toHaveLength(10);
    for (const r of results) if (!r.ok) expect(r.e).toMatchObject({ status: 409, message: "This code has been used up." });
    // Refused buyers got no payment: nothing reserved for them.
    const rows = await db().select().from(payments).where(and(eq(payments.purposeRef, course.id), inArray(payments.userId, learners.map((l) => l.id)))).all();
    expect(rows).toHaveLength(10);
    expect(rows.every((p) => p.amount === 2250)).toBe(true);
    await Promise.all(started.map((s) => emulator().completeCheckout((s as any).r.nextAction.url)));
    await emulator().configure({ paused: false });
    await deliverWebhooks();
    for (const s of started) await waitForPayment((s as any).r.paymentId, "succeeded");
    const uses = await redemptionsOf(coupon.id);
    expect(uses.filter((u) => u.status === "redeemed")).toHaveLength(10);
    expect(uses).toHaveLength(10);
    const [listed] = (await listCoupons(app())).filter((c) => c.id === coupon.id);
    expect(listed).toMatchObject({ redeemed: 10, reserved: 0, revenue: 22_500, discounted: 7500 });
  });

  it("once per customer holds under Promise.all across courses; the same purchase clicked twice reuses its Checkout", async () => {
    const instructor = await insertUser("instructor");
    const courses = await Promise.all(Array.from({ length: 6 }, () => insertCourse(instructor.id, { priceAmount: 2000 })));
    const coupon = await adminCoupon({ oncePerCustomer: "on" });
    const learner = session(await insertUser("student"));
    const results = await Promise.all(courses.map((c) => buy(learner, c.id, coupon.code)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(r.e).toMatchObject({ status: 409, message: "You have already used this code." });
    expect(await live(coupon.id)).toHaveLength(1);
    // The same course again (a second click) is the same payment, not a second use.
    const first = courses[results.findIndex((r) => r.ok)]!;
    const again = await buy(learner, first.id, coupon.code);
    expect(again.ok && again.r.paymentId).toBe((results.find((r) => r.ok) as any).r.paymentId);
    expect(await live(coupon.id)).toHaveLength(1);
  });

  it("an abandoned Checkout gives its use back when the session expires", async () => {
    const instructor = await insertUser("instructor");
    const course = await insertCourse(instructor.id, { priceAmount: 2000 });
    const coupon = await adminCoupon({ maxRedemptions: "1" });
    const [a, b] = [session(await insertUser("student")), session(await insertUser("student"))];
    const started = await buy(a, course.id, coupon.code);
    expect(started.ok).toBe(true);
    expect(await buy(b, course.id, coupon.code)).toMatchObject({ ok: false, e: { status: 409 } });
    const row = (await paymentRow((started as any).r.paymentId))!;
    await stripe().checkout.sessions.expire(row.stripeCheckoutSessionId!);
    await emulator().configure({ paused: false });
    await deliverWebhooks();
    await waitForPayment(row.id, "canceled");
    expect((await redemptionsOf(coupon.id)).map((r) => r.status)).toEqual(["released"]);
    expect((await buy(b, course.id, coupon.code)).ok).toBe(true);
  });

  it("bad codes answer in words with a 4xx and reserve nothing; too many are rate-limited", async () => {
    const instructor = await insertUser("instructor");
    const [course, other] = [await insertCourse(instructor.id, { priceAmount: 2000 }), await insertCourse(instructor.id, { priceAmount: 2000 })];
    const me = session(instructor);
    const forOther = await createCoupon(app(), me, { code: code(), kind: "percent", percent: "10", scope: "course", courseId: other.id });
    const expiring = await adminCoupon({ expiresOn: "2027-03-03" });
    const learner = session(await insertUser("student"));
    setClock(() => Date.parse("2027-03-05T12:00:00Z"));
    expect(await buy(learner, course.id, expiring.code)).toMatchObject({ ok: false, e: { status: 409, message: "This code expired on 3 March." } });
    resetClock();
    expect(await buy(learner, course.id, forOther.code)).toMatchObject({ ok: false, e: { status: 409, message: "This code is for another course." } });
    expect(await buy(learner, course.id, "NOSUCHCODE")).toMatchObject({ ok: false, e: { status: 404, message: "We don't know this code. Check its spelling." } });
    const minimum = await adminCoupon({ minAmount: "50.00", currency: "usd" });
    expect(await buy(learner, course.id, minimum.code)).toMatchObject({ ok: false, e: { status: 409, message: "This code applies to prices of $50.00 or more." } });
    await deactivateCoupon(app(), session(await insertUser("admin")), minimum.id);
    expect(await buy(learner, course.id, minimum.code)).toMatchObject({ ok: false, e: { message: "This code is no longer active." } });
    expect(await db().select().from(payments).where(eq(payments.userId, learner.id)).all()).toEqual([]);
    expect(await db().select().from(couponRedemptions).where(eq(couponRedemptions.userId, learner.id)).all()).toEqual([]);
    // 10 failures in 15 minutes lock the account's code checks (a good code too) for 15 minutes.
    for (let i = 0; i < 5; i++) await buy(learner, course.id, `WRONG${i}X`);
    const good = await adminCoupon({});
    const locked = await buy(learner, course.id, good.code);
    expect(locked).toMatchObject({ ok: false, e: { status: 429, message: "Too many codes that did not apply. Wait a few minutes and try again." } });
  });

  it("first purchase only, and instructors' limits: own courses, price floor, 3 active codes per course (inside the insert)", async () => {
    const instructor = session(await insertUser("instructor"));
    const course = await insertCourse(instructor.id, { priceAmount: 1000 });
    const foreign = await insertCourse((await insertUser("instructor")).id, { priceAmount: 1000 });
    await expect(createCoupon(app(), instructor, { code: code(), kind: "percent", percent: "10", scope: "course", courseId: foreign.id })).rejects.toMatchObject({
      status: 400,
      details: { fieldErrors: { courseId: ["You can make codes only for your own courses"] } },
    });
    await expect(createCoupon(app(), instructor, { code: code(), kind: "percent", percent: "60", scope: "course", courseId: course.id })).rejects.toMatchObject({ status: 400 });
    await expect(createCoupon(app(), instructor, { code: code(), kind: "percent", percent: "10", scope: "catalog" })).rejects.toMatchObject({ status: 400 });
    const made = await Promise.all(
      Array.from({ length: 6 }, () => createCoupon(app(), instructor, { code: code(), kind: "percent", percent: "10", scope: "course", courseId: course.id }).then(() => true, () => false)),
    );
    expect(made.filter(Boolean)).toHaveLength(3);
    const first = await adminCoupon({ firstPurchaseOnly: "on" });
    const learner = session(await insertUser("student"));
    await db().insert(payments).values({ id: createId("payment"), userId: learner.id, purpose: "course_purchase", purposeRef: foreign.id, description: "Earlier", amount: 100, currency: "usd", status: "succeeded", flow: "checkout", metadata: {}, createdAt: Date.now() - DAY, updatedAt: Date.now() - DAY });
    expect(await buy(learner, course.id, first.code)).toMatchObject({ ok: false, e: { message: "This code is for a first purchase only." } });
  });
});

describe("the course page applies a code without JavaScript and the receipt shows the discount", () => {
  it("GET ?code= re-renders the price; Buy charges the shown price; the receipt lists the code", async () => {
    await emulator().configure({ paused: false });
    const instructor = await insertUser("instructor");
    const course = await insertCourse(instructor.id, { priceAmount: 4000 });
    const coupon = await adminCoupon({ percent: "25" });
    const learner = await signedInAs("student");
    const text = async (path: string) => (await (await learner.browser.fetch(path)).text()).replace(/<!-- -->/g, "");
    const bad = await text(`/courses/${course.slug}?code=nope-nope`);
    expect(bad).toContain("We don&#x27;t know this code. Check its spelling.");
    const page = await text(`/courses/${course.slug}?code=${coupon.code.toLowerCase()}`);
    expect(page).toContain(`Code ${coupon.code} applied: 25 % off.`);
    expect(page).toContain("Buy for $30.00 (was $40.00)");
    const res = await learner.browser.submit(`/courses/${course.slug}`, { intent: "enroll", promotionCode: coupon.code });
    expect(res.status).toBe(302);
    const paid = await emulator().completeCheckout(res.headers.get("Location")!);
    const back = new URL(paid.headers.get("Location")!);
    const paymentId = back.searchParams.get("payment")!;
    expect((await learner.browser.fetch(`${back.pathname}${back.search}`)).status).toBe(302);
    expect((await paymentRow(paymentId))!).toMatchObject({ status: "succeeded", amount: 3000 });
    const receipt = await text(`/account/payments/${paymentId}`);
    expect(receipt).toContain("How the price was made");
    expect(receipt).toContain(`Code ${coupon.code}`);
    expect(receipt).toMatch(/minus <\/span><span aria-hidden="true">−<\/span>\$10\.00/);
    await waitForPayment(paymentId, "succeeded");
    expect((await redemptionsOf(coupon.id)).map((r) => r.status)).toEqual(["redeemed"]);
    // The API takes the same field.
    const api = await learner.browser.json("/api/courses/purchase", jsonBody({ courseId: (await insertCourse(instructor.id, { priceAmount: 2000 })).id, promotionCode: coupon.code }));
    expect(api.status).toBe(201);
    expect(api.body.payment.amount).toBe(1500);
  });
});

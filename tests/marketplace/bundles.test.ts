import { env } from "cloudflare:test";
import { and, eq, inArray } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { createAppContext } from "../../workers/app";
import { createBundle, setBundleStatus, updateBundle } from "~/modules/marketplace/bundles.server";
import { entriesForPayment, split } from "~/modules/marketplace/earnings.server";
import { createId } from "~/utils/ids";
import { bundlePurchaseItems, bundleRefundParts, enrollments, payments, refunds } from "~drizzle/schema";
import { db, insertUser, jsonBody, signedInAs, waitFor } from "../helpers";
import { deliverWebhooks, emulator } from "../payments/helpers";
import { insertCourse } from "./helpers";

const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));
const session = (u: Awaited<ReturnType<typeof insertUser>>) => ({ ...u, sessionId: null, via: "session" as const });
const enrollmentsOf = (userId: string, ids: string[]) => db().select().from(enrollments).where(and(eq(enrollments.userId, userId), inArray(enrollments.courseId, ids))).all();
const paymentsOf = (userId: string) => db().select().from(payments).where(eq(payments.userId, userId)).all();
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Three $29.99 courses by one instructor in a $49.99 bundle (shares 1667 / 1666 / 1666). */
async function bundleOfThree(price = 4999, listPrices = [2999, 2999, 2999]) {
  const instructor = await insertUser("instructor");
  const list = [];
  for (const p of listPrices) list.push(await insertCourse(instructor.id, { priceAmount: p }));
  const bundle = await createBundle(app(), session(instructor), {
    title: "Data analyst starter bundle",
    description: "Three courses that take you from SQL to dashboards, at one price.",
    priceAmount: price,
    currency: "usd",
    courseIds: list.map((c) => c.id),
  });
  await setBundleStatus(app(), session(instructor), bundle.id, "published");
  return { instructor, courses: list, bundle };
}

const buy = (browser: Awaited<ReturnType<typeof signedInAs>>["browser"], bundleId: string, extra: Record<string, unknown> = {}) =>
  browser.json("/api/payments/process", jsonBody({ purpose: "bundle_purchase", bundleId, flow: "payment_method", paymentMethod: "pm_card_visa", ...extra }));
const buyCourse = (browser: Awaited<ReturnType<typeof signedInAs>>["browser"], courseId: string) =>
  browser.json("/api/courses/purchase", jsonBody({ courseId, flow: "payment_method", paymentMethod: "pm_card_visa" }));

describe("bundle editor rules", () => {
  it("bundles only the instructor's own published paid courses, at most their sum, in one currency; admins bundle across instructors", async () => {
    const a = await insertUser("instructor");
    const b = await insertUser("instructor");
    const mine = await insertCourse(a.id, { priceAmount: 2000 });
    const mine2 = await insertCourse(a.id, { priceAmount: 1000 });
    const theirs = await insertCourse(b.id, { priceAmount: 1500 });
    const free = await insertCourse(a.id, { priceAmount: 0 });
    const draft = await insertCourse(a.id, { priceAmount: 900, status: "draft" });
    const base = { title: "My bundle of things", description: "A bundle description long enough to pass.", priceAmount: 2500, currency: "usd" };
    await expect(createBundle(app(), session(a), { ...base, courseIds: [mine.id, theirs.id] })).rejects.toMatchObject({ status: 400, details: { fieldErrors: { courseIds: ["You can bundle only courses you teach."] } } });
    await expect(createBundle(app(), session(a), { ...base, courseIds: [mine.id, free.id] })).rejects.toMatchObject({ status: 400 });
    await expect(createBundle(app(), session(a), { ...base, courseIds: [mine.id, draft.id] })).rejects.toMatchObject({ status: 400 });
    await expect(createBundle(app(), session(a), { ...base, courseIds: [mine.id] })).rejects.toMatchObject({ status: 400 });
    await expect(createBundle(app(), session(a), { ...base, priceAmount: 3001, courseIds: [mine.id, mine2.id] })).rejects.toMatchObject({ status: 400, details: { fieldErrors: { priceAmount: [expect.stringContaining("$30.00")] } } });
    const ok = await createBundle(app(), session(a), { ...base, courseIds: [mine.id, mine2.id] });
    expect(ok).toMatchObject({ status: "draft", ownerId: a.id, priceAmount: 2500 });
    // Another instructor cannot see the draft; an admin can edit it and bundle across instructors.
    await expect(updateBundle(app(), session(b), ok.id, { ...base, courseIds: [theirs.id, mine.id] })).rejects.toMatchObject({ status: 404 });
    const admin = await insertUser("admin");
    const cross = await createBundle(app(), session(admin), { ...base, courseIds: [mine.id, theirs.id] });
    expect((await setBundleStatus(app(), session(admin), cross.id, "published")).status).toBe("published");
  });
});

describe("buying a bundle", () => {
  beforeEach(async () => {
    await emulator().clearFaults();
    await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
  });

  it("takes an owned course's share off, enrolls in the rest in one payment, books 70 % of each course's share", async () => {
    const { courses: list, bundle, instructor } = await bundleOfThree();
    const learner = await signedInAs("student");
    // Own the first course already.
    const first = await buyCourse(learner.browser, list[0]!.id);
    expect(first.status).toBe(201);
    await deliverWebhooks();
    await waitFor(async () => (await enrollmentsOf(learner.user.id, [list[0]!.id]))[0]?.status === "active");

    const coupon = await buy(learner.browser, bundle.id, { promotionCode: "SPRING" });
    expect(coupon.status).toBe(400);
    expect(JSON.stringify(coupon.body)).toMatch(/do not apply to bundles/);
    const tokens = await buy(learner.browser, bundle.id, { tokens: 100 });
    expect(tokens.status).toBe(400);

    const res = await buy(learner.browser, bundle.id);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ amount: 4999 - 1667, currency: "usd" });
    await deliverWebhooks();
    const rows = await waitFor(async () => {
      const e = await enrollmentsOf(learner.user.id, list.map((c) => c.id));
      return e.filter((x) => x.status === "active").length === 3 ? e : undefined;
    });
    const paymentId = res.body.paymentId as string;
    expect(rows.filter((r) => r.paymentId === paymentId).map((r) => r.courseId).sort()).toEqual([list[1]!.id, list[2]!.id].sort());
    const sales = await waitFor(async () => {
      const e = await entriesForPayment(app(), paymentId);
      return e.length === 2 ? e : undefined;
    });
    expect(sales.map((s) => [s.courseId, s.grossAmount, s.instructorAmount, s.platformAmount, s.instructorId]).sort()).toEqual(
      [
        [list[1]!.id, 1666, split(1666).instructor, split(1666).platform, instructor.id],
        [list[2]!.id, 1666, split(1666).instructor, split(1666).platform, instructor.id],
      ].sort(),
    );
    // Everything owned now: no second purchase.
    const again = await buy(learner.browser, bundle.id);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already own every course/);
  });

  it("bought twice at once → one payment", async () => {
    const { bundle } = await bundleOfThree();
    const learner = await signedInAs("student");
    const checkout = () => learner.browser.json("/api/payments/process", jsonBody({ purpose: "bundle_purchase", bundleId: bundle.id }));
    const answers = await Promise.all([checkout(), checkout(), checkout()]);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.paymentId)).size).toBe(1);
    expect(new Set(answers.map((a) => a.body.nextAction.url)).size).toBe(1);
    expect(await paymentsOf(learner.user.id)).toHaveLength(1);
  });

  it("racing a single course of it: whichever is confirmed second gives that course's money back, so it is never paid twice", async () => {
    for (const delivery of ["in_order", "reverse", "concurrent"] as const) {
      const { courses: list, bundle } = await bundleOfThree();
      const learner = await signedInAs("student");
      await emulator().configure({ paused: false, order: delivery === "reverse" ? "reverse" : "in_order", duplicates: delivery === "concurrent" ? 2 : 0 });
      // Both started before either is confirmed (the bundle's quote cannot know about the course).
      const [a, b] = delivery === "concurrent" ? await Promise.all([buy(learner.browser, bundle.id), buyCourse(learner.browser, list[1]!.id)]) : [await buy(learner.browser, bundle.id), await buyCourse(learner.browser, list[1]!.id)];
      expect([a.status, b.status]).toEqual([201, 201]);
      await deliverWebhooks();
      const settled = await waitFor(async () => {
        const e = await enrollmentsOf(learner.user.id, list.map((c) => c.id));
        const rows = await paymentsOf(learner.user.id);
        const made = await db().select().from(refunds).where(inArray(refunds.paymentId, rows.map((p) => p.id))).all();
        return e.filter((x) => x.status === "active").length === 3 && made.length === 1 && made[0]!.status === "succeeded" && rows.every((p) => p.fulfilledAt) ? { rows, e, made } : undefined;
      }, 20_000);
      const bundlePayment = settled.rows.find((p) => p.purpose === "bundle_purchase")!;
      const coursePayment = settled.rows.find((p) => p.purpose === "course_purchase")!;
      const holder = settled.e.find((x) => x.courseId === list[1]!.id)!;
      if (holder.paymentId === bundlePayment.id) {
        // The bundle was confirmed first: the single course payment is a duplicate, refunded in full.
        expect(coursePayment).toMatchObject({ status: "refunded", amountRefunded: 2999 });
        expect(bundlePayment.amountRefunded).toBe(0);
      } else {
        // The course was confirmed first: the bundle refunds that course's share (1666), once.
        expect(holder.paymentId).toBe(coursePayment.id);
        expect(bundlePayment).toMatchObject({ amount: 4999, amountRefunded: 1666, status: "partially_refunded" });
        const parts = await db().select().from(bundleRefundParts).where(eq(bundleRefundParts.paymentId, bundlePayment.id)).all();
        expect(parts).toEqual([expect.objectContaining({ courseId: list[1]!.id, kind: "overlap", amount: 1666 })]);
        const items = await db().select().from(bundlePurchaseItems).where(eq(bundlePurchaseItems.paymentId, bundlePayment.id)).all();
        expect(items.find((i) => i.courseId === list[1]!.id)!.outcome).toBe("overlap");
        expect((await entriesForPayment(app(), bundlePayment.id)).map((e) => e.courseId).sort()).toEqual([list[0]!.id, list[2]!.id].sort());
      }
      // The middle course is paid for once: what is left of both payments for it is one price.
      const middleSales = [...(await entriesForPayment(app(), bundlePayment.id)), ...(await entriesForPayment(app(), coursePayment.id))].filter((e) => e.courseId === list[1]!.id);
      const middleNet = sum(middleSales.map((e) => e.grossAmount));
      expect(middleNet).toBe(holder.paymentId === bundlePayment.id ? 1666 : 2999);
      expect(sum(settled.rows.map((p) => p.amount - p.amountRefunded))).toBe(holder.paymentId === bundlePayment.id ? 4999 : 4999 - 1666 + 2999);
    }
    await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
  });

  it("partial refunds are spread over the courses to the cent; the rest revokes every course and ends the ledger at zero", async () => {
    const { courses: list, bundle } = await bundleOfThree(5000, [1999, 2999, 4999]);
    const learner = await signedInAs("student");
    const res = await buy(learner.browser, bundle.id);
    expect(res.body.amount).toBe(5000);
    await deliverWebhooks();
    const paymentId = res.body.paymentId as string;
    await waitFor(async () => (await entriesForPayment(app(), paymentId)).length === 3);
    const admin = await signedInAs("admin");
    const partial = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId, amount: 1001, reason: "Partial goodwill refund" }));
    expect(partial.status).toBe(200);
    const afterPartial = await waitFor(async () => {
      const e = await entriesForPayment(app(), paymentId);
      return e.length === 6 ? e : undefined;
    });
    const reversals = afterPartial.filter((e) => e.kind === "reversal");
    expect(sum(reversals.map((e) => e.grossAmount))).toBe(-1001);
    for (const r of reversals) expect(r.instructorAmount + r.platformAmount).toBe(r.grossAmount);
    // Shares 1000 / 1500 / 2500; 1001 spread by what is left → 200 / 300 / 501.
    expect(reversals.map((r) => [r.courseId, r.grossAmount]).sort()).toEqual([[list[0]!.id, -200], [list[1]!.id, -300], [list[2]!.id, -501]].sort());
    expect((await enrollmentsOf(learner.user.id, list.map((c) => c.id))).every((e) => e.status === "active")).toBe(true);

    const rest = await admin.browser.json("/api/payments/refund", jsonBody({ paymentId, reason: "Refund the rest" }));
    expect(rest.status).toBe(200);
    await waitFor(async () => (await enrollmentsOf(learner.user.id, list.map((c) => c.id))).every((e) => e.status === "revoked"));
    const all = await waitFor(async () => {
      const e = await entriesForPayment(app(), paymentId);
      return e.length === 9 ? e : undefined;
    });
    for (const c of list) {
      const mine = all.filter((e) => e.courseId === c.id);
      expect([sum(mine.map((e) => e.grossAmount)), sum(mine.map((e) => e.instructorAmount)), sum(mine.map((e) => e.platformAmount))]).toEqual([0, 0, 0]);
    }
    const parts = await db().select().from(bundleRefundParts).where(eq(bundleRefundParts.paymentId, paymentId)).all();
    expect(sum(parts.map((p) => p.amount))).toBe(5000);
  });

  it("self-service refunds judge the bundle's courses together: granted when little is done, refused once one of its courses is completed", async () => {
    const { courses: list, bundle } = await bundleOfThree();
    const fresh = await signedInAs("student");
    const bought = await buy(fresh.browser, bundle.id);
    await deliverWebhooks();
    await waitFor(async () => (await enrollmentsOf(fresh.user.id, list.map((c) => c.id))).filter((e) => e.status === "active").length === 3);
    const asked = await fresh.browser.json("/api/payments/refund-requests", jsonBody({ paymentId: bought.body.paymentId }));
    expect(asked.status).toBe(201);
    expect(asked.body.request).toMatchObject({ status: "granted", amount: 4999 });
    await waitFor(async () => (await enrollmentsOf(fresh.user.id, list.map((c) => c.id))).every((e) => e.status === "revoked"));

    // Completing one of its courses (its only module) refuses the whole bundle: the certificate rule
    // comes first in the policy's order (and 1 of the 3 modules is 33 %, over the progress rule too).
    const studied = await signedInAs("student");
    const second = await buy(studied.browser, bundle.id);
    await deliverWebhooks();
    await waitFor(async () => (await enrollmentsOf(studied.user.id, list.map((c) => c.id))).filter((e) => e.status === "active").length === 3);
    const done = await studied.browser.json(`/api/courses/${list[0]!.id}/modules/${list[0]!.moduleId}/complete`, { method: "POST" });
    expect(done.status).toBe(200);
    const refused = await studied.browser.json("/api/payments/refund-requests", jsonBody({ paymentId: second.body.paymentId }));
    expect(refused.body.request, JSON.stringify(refused.body)).toMatchObject({ status: "refused", refusal: "certificate" });
    expect((await enrollmentsOf(studied.user.id, list.map((c) => c.id))).every((e) => e.status === "active")).toBe(true);
  });
});

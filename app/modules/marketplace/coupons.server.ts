import { and, desc, eq, inArray, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert, auditInsertWhere } from "~/modules/audit/audit.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { hasPermission } from "~/modules/auth/permissions";
import { assertNotThrottled, recordFailure, type ThrottleKeys } from "~/modules/auth/throttle.server";
import { DAY, now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { currencySchema, formatMoney, parseAmount, type Currency } from "~/utils/money";
import { couponRedemptions, coupons, courses, payments } from "~drizzle/schema";
import { COUPON_KINDS, COUPON_SCOPES } from "~drizzle/schema/enums";
import { COUPON_POLICY } from "./coupon-policy";
import { couponDiscount, type CouponTerms } from "./price-breakdown";

/*
 * Coupons and their promotion codes (docs/marketplace.md, "Coupons"). A code is checked in words
 * before anything is written (`checkCode`), then reserved with the payment in ONE statement that
 * re-checks every limit inside the INSERT (`reserveRedemption`): the cap, once per customer, first
 * purchase only, expiry and deactivation. So 50 simultaneous Checkouts for a code with 10 uses left
 * make exactly 10 reservations. A payment that fails or whose Checkout expires releases its
 * reservation (`releaseRedemption`, from the payments `unpaid` hook), which gives the use back.
 */

export type Coupon = typeof coupons.$inferSelect;
type CourseForCode = { id: string; instructorId: string; currency: string; priceAmount: number };

export const normalizeCode = (code: string) => code.trim().toUpperCase();
export const promotionCodeSchema = z
  .string({ error: "Enter a code" })
  .trim()
  .min(1, "Enter a code")
  .max(32, "Codes are at most 32 characters")
  .transform(normalizeCode)
  .refine((c) => COUPON_POLICY.codePattern.test(c), "Codes are letters, digits, - and _ (3 to 32 characters)");

/** The field that applies a code, on POST /api/payments/process and /api/courses/purchase. */
export const promotionCodeInput = z.object({ promotionCode: promotionCodeSchema.optional() });

export const termsOf = (c: Pick<Coupon, "kind" | "percentBps" | "amountOff">): CouponTerms =>
  c.kind === "percent" ? { kind: "percent", percentBps: c.percentBps ?? 0 } : { kind: "amount", amountOff: c.amountOff ?? 0 };

/** The lowest price a code may leave on a course: an instructor's code keeps the policy's floor. */
async function floorFor(app: AppContext, coupon: Coupon, currency: Currency) {
  const creator = await app.db.query.users.findFirst({ columns: { role: true }, where: (u, { eq }) => eq(u.id, coupon.createdBy) });
  return creator?.role === "admin" ? 1 : COUPON_POLICY.instructor.priceFloor[currency];
}

const dayMonth = (ms: number) => {
  const d = new Date(ms);
  const sameYear = d.getUTCFullYear() === new Date(now()).getUTCFullYear();
  return d.toLocaleDateString("en-GB", { day: "numeric", month: "long", ...(sameYear ? {} : { year: "numeric" }), timeZone: "UTC" });
};

/** What a code does for one course and price, in words. */
export function describeTerms(coupon: Pick<Coupon, "kind" | "percentBps" | "amountOff" | "currency">) {
  return coupon.kind === "percent" ? `${(coupon.percentBps ?? 0) / 100} % off` : `${formatMoney(coupon.amountOff ?? 0, coupon.currency as Currency)} off`;
}

const refuse = (message: string, reason: string, status: "bad_request" | "conflict" | "not_found" = "conflict") =>
  new AppError(status, message, { details: { field: "promotionCode", reason } });

/** Why `coupon` does not apply (words), or null: what the INSERT re-checks, plus scope and amount. */
async function whyNot(app: AppContext, user: Pick<SessionUser, "id">, coupon: Coupon, course: CourseForCode, price: number, purposeRef: string): Promise<AppError | null> {
  const t = now();
  if (!coupon.active) return refuse("This code is no longer active.", "inactive");
  if (coupon.expiresAt !== null && coupon.expiresAt <= t) return refuse(`This code expired on ${dayMonth(coupon.expiresAt - 1)}.`, "expired");
  if (coupon.scope === "course" && coupon.scopeRef !== course.id) return refuse("This code is for another course.", "other_course");
  if (coupon.scope === "instructor" && coupon.scopeRef !== course.instructorId) return refuse("This code is for another instructor's courses.", "other_instructor");
  if (coupon.currency && coupon.currency !== course.currency) return refuse(`This code is for prices in ${coupon.currency.toUpperCase()}.`, "currency");
  if (coupon.minAmount !== null && price < coupon.minAmount) {
    return refuse(`This code applies to prices of ${formatMoney(coupon.minAmount, course.currency as Currency)} or more.`, "minimum");
  }
  const [used, mine, paidBefore] = await app.db.batch([
    app.db
      .select({ n: sql<number>`count(*)` })
      .from(couponRedemptions)
      .where(
        and(
          eq(couponRedemptions.couponId, coupon.id),
          inArray(couponRedemptions.status, ["reserved", "redeemed"]),
          sql`NOT (${couponRedemptions.userId} = ${user.id} AND ${couponRedemptions.purposeRef} = ${purposeRef} AND ${couponRedemptions.status} = 'reserved')`,
        ),
      ),
    app.db
      .select({ n: sql<number>`count(*)` })
      .from(couponRedemptions)
      .where(
        and(
          eq(couponRedemptions.couponId, coupon.id),
          eq(couponRedemptions.userId, user.id),
          sql`(${couponRedemptions.status} = 'redeemed' OR (${couponRedemptions.status} = 'reserved' AND ${couponRedemptions.purposeRef} <> ${purposeRef}))`,
        ),
      ),
    app.db
      .select({ n: sql<number>`count(*)` })
      .from(payments)
      .where(and(eq(payments.userId, user.id), inArray(payments.status, ["succeeded", "partially_refunded", "refunded"]))),
  ]);
  if (coupon.oncePerCustomer && (mine[0]?.n ?? 0) > 0) return refuse("You have already used this code.", "already_used");
  if (coupon.firstPurchaseOnly && (paidBefore[0]?.n ?? 0) > 0) return refuse("This code is for a first purchase only.", "not_first_purchase");
  if (coupon.maxRedemptions !== null && (used[0]?.n ?? 0) >= coupon.maxRedemptions) return refuse("This code has been used up.", "used_up");
  return null;
}

function throttleKeysOf(user: Pick<SessionUser, "id">): ThrottleKeys {
  return [{ key: `coupon-user:${user.id}`, kind: "couponCode" }];
}

export type AppliedCode = { coupon: Coupon; code: string; terms: CouponTerms; floor: number };

/**
 * Checks a code for this learner, course and price (after the tier discount), in words; writes
 * nothing but a failure count (codes that do not apply are rate-limited per account).
 */
export async function checkCode(app: AppContext, user: Pick<SessionUser, "id">, course: CourseForCode, price: number, rawCode: string): Promise<AppliedCode> {
  const parsed = promotionCodeSchema.safeParse(rawCode);
  const keys = throttleKeysOf(user);
  await assertNotThrottled(app, keys, "Too many codes that did not apply. Wait a few minutes and try again.");
  const fail = async (error: AppError) => {
    await recordFailure(app, keys);
    app.logger.info("coupon.refused", { userId: user.id, courseId: course.id, reason: (error.details as { reason?: string })?.reason });
    return error;
  };
  if (!parsed.success) throw await fail(refuse(parsed.error.issues[0]?.message ?? "Enter a code", "invalid", "bad_request"));
  const coupon = await app.db.select().from(coupons).where(eq(coupons.code, parsed.data)).get();
  if (!coupon) throw await fail(refuse("We don't know this code. Check its spelling.", "unknown", "not_found"));
  const refusal = await whyNot(app, user, coupon, course, price, course.id);
  if (refusal) throw await fail(refusal);
  const floor = await floorFor(app, coupon, course.currency as Currency);
  if (couponDiscount(price, termsOf(coupon), floor) <= 0) throw await fail(refuse("This code takes nothing off this price.", "no_discount"));
  return { coupon, code: coupon.code, terms: termsOf(coupon), floor };
}

/**
 * Reserves one use of the code for a payment, in one INSERT … SELECT that re-checks every limit
 * (never read-then-write). No row → the answer says which limit stopped it.
 */
export async function reserveRedemption(
  app: AppContext,
  input: { user: Pick<SessionUser, "id">; applied: AppliedCode; course: CourseForCode; price: number; paymentId: string; discount: number; paidAmount: number },
) {
  const { user, applied, paymentId, course } = input;
  const c = applied.coupon;
  const t = now();
  const id = createId("couponRedemption");
  const result = await app.db.run(sql`
    INSERT INTO coupon_redemptions (id, coupon_id, user_id, payment_id, purpose_ref, status, discount_amount, paid_amount, currency, created_at, updated_at)
    SELECT ${id}, ${c.id}, ${user.id}, ${paymentId}, ${course.id}, 'reserved', ${input.discount}, ${input.paidAmount}, ${course.currency}, ${t}, ${t}
    FROM coupons k
    WHERE k.id = ${c.id} AND k.active = 1 AND (k.expires_at IS NULL OR k.expires_at > ${t})
      AND (k.max_redemptions IS NULL OR (
        SELECT count(*) FROM coupon_redemptions r
        WHERE r.coupon_id = k.id AND r.status IN ('reserved', 'redeemed')
          AND NOT (r.user_id = ${user.id} AND r.purpose_ref = ${course.id} AND r.status = 'reserved')
      ) < k.max_redemptions)
      AND (k.once_per_customer = 0 OR NOT EXISTS (
        SELECT 1 FROM coupon_redemptions r
        WHERE r.coupon_id = k.id AND r.user_id = ${user.id}
          AND (r.status = 'redeemed' OR (r.status = 'reserved' AND r.purpose_ref <> ${course.id}))
      ))
      AND (k.first_purchase_only = 0 OR NOT EXISTS (
        SELECT 1 FROM payments p WHERE p.user_id = ${user.id} AND p.status IN ('succeeded', 'partially_refunded', 'refunded')
      ))
    ON CONFLICT (payment_id) DO NOTHING
  `);
  if ((result.meta.changes ?? 0) > 0) {
    app.logger.info("coupon.reserved", { couponId: c.id, paymentId, userId: user.id, discount: input.discount });
    return;
  }
  const already = await app.db.select({ id: couponRedemptions.id }).from(couponRedemptions).where(eq(couponRedemptions.paymentId, paymentId)).get();
  if (already) return;
  const fresh = (await app.db.select().from(coupons).where(eq(coupons.id, c.id)).get()) ?? c;
  throw (await whyNot(app, user, fresh, course, input.price, course.id)) ?? refuse("This code has just been used up.", "used_up");
}

/** Gives the use back: the payment failed, was canceled or its Checkout expired. Idempotent. */
export async function releaseRedemption(app: AppContext, paymentId: string) {
  const result = await app.db
    .update(couponRedemptions)
    .set({ status: "released", updatedAt: now() })
    .where(and(eq(couponRedemptions.paymentId, paymentId), eq(couponRedemptions.status, "reserved")))
    .run();
  if ((result.meta.changes ?? 0) > 0) app.logger.info("coupon.released", { paymentId });
}

/** The payment is paid: the use is final (also after a late release: the money came with the discount). */
export async function redeemRedemption(app: AppContext, paymentId: string) {
  const result = await app.db
    .update(couponRedemptions)
    .set({ status: "redeemed", updatedAt: now() })
    .where(and(eq(couponRedemptions.paymentId, paymentId), inArray(couponRedemptions.status, ["reserved", "released"])))
    .run();
  if ((result.meta.changes ?? 0) > 0) app.logger.info("coupon.redeemed", { paymentId });
}

// ---- Making and listing codes (admin and instructor pages) ----

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));
const checkbox = z
  .string()
  .optional()
  .transform((v) => v === "on" || v === "true" || v === "1");

export const couponFormSchema = z.object({
  code: promotionCodeSchema,
  kind: z.enum(COUPON_KINDS, { error: "Choose a percentage or an amount" }),
  percent: optionalText,
  amount: optionalText,
  currency: optionalText.pipe(currencySchema.optional()),
  scope: z.enum(COUPON_SCOPES, { error: "Choose what the code applies to" }),
  courseId: optionalText,
  instructorId: optionalText,
  maxRedemptions: optionalText,
  expiresOn: optionalText,
  minAmount: optionalText,
  oncePerCustomer: checkbox,
  firstPurchaseOnly: checkbox,
});

/**
 * Makes a code. Admins: any scope. Instructors: a course of their own, within COUPON_POLICY
 * (active codes per course — checked inside the INSERT —, largest percentage, the price floor).
 */
export async function createCoupon(app: AppContext, user: SessionUser, input: unknown): Promise<Coupon> {
  const admin = hasPermission(user, "create:coupon:any");
  if (!admin && !hasPermission(user, "create:coupon:own")) throw AppError.forbidden();
  const data = parseOrThrow(couponFormSchema, input);
  const errors: Record<string, string[]> = {};
  const t = now();
  let course: typeof courses.$inferSelect | undefined;
  if (data.scope === "course") {
    course = data.courseId ? await app.db.select().from(courses).where(eq(courses.id, data.courseId)).get() : undefined;
    if (!course) errors.courseId = ["Choose a course"];
    else if (!admin && course.instructorId !== user.id) errors.courseId = ["You can make codes only for your own courses"];
    else if (course.priceAmount === 0) errors.courseId = ["This course is free: there is nothing to take off"];
  } else if (!admin) {
    errors.scope = ["Instructors make codes for one of their courses"];
  } else if (data.scope === "instructor" && !data.instructorId) {
    errors.instructorId = ["Choose an instructor"];
  }
  const currency = (course?.currency as Currency | undefined) ?? data.currency;
  let percentBps: number | null = null;
  let amountOff: number | null = null;
  const maxBps = admin ? COUPON_POLICY.admin.maxPercentBps : COUPON_POLICY.instructor.maxPercentBps;
  if (data.kind === "percent") {
    const p = data.percent ? Number(data.percent.replace(",", ".")) : NaN;
    if (!Number.isFinite(p) || p <= 0 || Math.round(p * 100) !== p * 100) errors.percent = ["Enter a percentage like 25 or 12.5"];
    else if (p * 100 > maxBps) errors.percent = [`At most ${maxBps / 100} % off`];
    else percentBps = Math.round(p * 100);
  } else if (!currency) {
    errors.currency = ["Choose the currency of the amount"];
  } else {
    const parsed = parseAmount(data.amount ?? "", currency);
    if (!parsed.ok) errors.amount = [parsed.error];
    else if (parsed.amount <= 0) errors.amount = ["Enter an amount above zero"];
    else amountOff = parsed.amount;
  }
  let minAmount: number | null = null;
  if (data.minAmount) {
    if (!currency) errors.currency = ["Choose the currency of the minimum"];
    else {
      const parsed = parseAmount(data.minAmount, currency);
      if (!parsed.ok) errors.minAmount = [parsed.error];
      else minAmount = parsed.amount;
    }
  }
  let maxRedemptions: number | null = null;
  if (data.maxRedemptions) {
    const n = Number(data.maxRedemptions);
    if (!Number.isSafeInteger(n) || n < 1 || n > 1_000_000) errors.maxRedemptions = ["Enter a whole number from 1 to 1,000,000"];
    else maxRedemptions = n;
  }
  let expiresAt: number | null = null;
  if (data.expiresOn) {
    const day = /^\d{4}-\d{2}-\d{2}$/.test(data.expiresOn) ? Date.parse(`${data.expiresOn}T00:00:00Z`) : NaN;
    // The code works through the whole day it expires on (UTC).
    if (!Number.isFinite(day)) errors.expiresOn = ["Enter a date"];
    else if (day + DAY <= t) errors.expiresOn = ["Choose a day from today on"];
    else if (day > t + COUPON_POLICY.maxLifetimeDays * DAY) errors.expiresOn = [`At most ${COUPON_POLICY.maxLifetimeDays} days from today`];
    else expiresAt = day + DAY;
  }
  if (course && !admin && !errors.percent && !errors.amount) {
    const floor = COUPON_POLICY.instructor.priceFloor[course.currency as Currency];
    const after = course.priceAmount - couponDiscount(course.priceAmount, percentBps !== null ? { kind: "percent", percentBps } : { kind: "amount", amountOff: amountOff ?? 0 });
    if (after < floor) errors[percentBps !== null ? "percent" : "amount"] = [`Your codes keep a course at ${formatMoney(floor, course.currency as Currency)} or more (it would cost ${formatMoney(Math.max(0, after), course.currency as Currency)})`];
  }
  if (Object.keys(errors).length) throw AppError.validation(errors);

  const id = createId("coupon");
  const scopeRef = data.scope === "course" ? course!.id : data.scope === "instructor" ? data.instructorId! : null;
  const limit = admin ? null : COUPON_POLICY.instructor.maxActiveCodesPerCourse;
  // One statement: the code is written only while the course has fewer active codes than the limit.
  const inserted = await app.db.run(sql`
    INSERT INTO coupons (id, code, kind, percent_bps, amount_off, currency, scope, scope_ref, max_redemptions, expires_at, once_per_customer, first_purchase_only, min_amount, active, created_by, created_at, deactivated_at)
    SELECT ${id}, ${data.code}, ${data.kind}, ${percentBps}, ${amountOff}, ${data.kind === "amount" || minAmount !== null ? (currency ?? null) : null}, ${data.scope}, ${scopeRef},
           ${maxRedemptions}, ${expiresAt}, ${data.oncePerCustomer ? 1 : 0}, ${data.firstPurchaseOnly ? 1 : 0}, ${minAmount}, 1, ${user.id}, ${t}, NULL
    WHERE ${limit} IS NULL OR (
      SELECT count(*) FROM coupons k WHERE k.scope = 'course' AND k.scope_ref = ${scopeRef} AND k.active = 1 AND (k.expires_at IS NULL OR k.expires_at > ${t})
    ) < ${limit}
    ON CONFLICT (code) DO NOTHING
  `);
  if ((inserted.meta.changes ?? 0) === 0) {
    const taken = await app.db.select({ id: coupons.id }).from(coupons).where(eq(coupons.code, data.code)).get();
    if (taken) throw AppError.validation({ code: ["This code is taken; choose another"] });
    throw AppError.validation({ courseId: [`A course has at most ${COUPON_POLICY.instructor.maxActiveCodesPerCourse} active codes; deactivate one first`] });
  }
  await auditInsert(app, { actorId: user.id, action: "coupon.created", targetType: "coupon", targetId: id, metadata: { code: data.code, scope: data.scope, scopeRef, percentBps, amountOff, maxRedemptions, expiresAt } }).run();
  app.logger.info("coupon.created", { couponId: id, userId: user.id, scope: data.scope, scopeRef });
  return (await app.db.select().from(coupons).where(eq(coupons.id, id)).get())!;
}

/** Deactivates a code (admins: any; instructors: their own). Reserved uses in flight still complete. */
export async function deactivateCoupon(app: AppContext, user: SessionUser, couponId: string) {
  const admin = hasPermission(user, "create:coupon:any");
  if (!admin && !hasPermission(user, "create:coupon:own")) throw AppError.forbidden();
  const coupon = await app.db.select().from(coupons).where(eq(coupons.id, couponId)).get();
  if (!coupon || (!admin && coupon.createdBy !== user.id)) throw AppError.notFound("Code");
  const t = now();
  await app.db.batch([
    app.db.update(coupons).set({ active: false, deactivatedAt: t }).where(and(eq(coupons.id, couponId), eq(coupons.active, true))),
    auditInsertWhere(app, { actorId: user.id, action: "coupon.deactivated", targetType: "coupon", targetId: couponId, metadata: { code: coupon.code } }, coupons, and(eq(coupons.id, couponId), eq(coupons.deactivatedAt, t))!),
  ]);
  app.logger.info("coupon.deactivated", { couponId, userId: user.id });
}

export type CouponRow = Coupon & { redeemed: number; reserved: number; revenue: number; discounted: number; courseTitle: string | null };

/**
 * Codes with their uses and the revenue they brought (what learners paid with them, less refunds),
 * newest first. `createdBy` limits the list to one person's codes (an instructor's page).
 */
export async function listCoupons(app: AppContext, opts: { createdBy?: string; limit?: number } = {}): Promise<CouponRow[]> {
  const rows = await app.db
    .select({
      coupon: coupons,
      courseTitle: courses.title,
      redeemed: sql<number>`(SELECT count(*) FROM coupon_redemptions r WHERE r.coupon_id = ${coupons.id} AND r.status = 'redeemed')`,
      reserved: sql<number>`(SELECT count(*) FROM coupon_redemptions r WHERE r.coupon_id = ${coupons.id} AND r.status = 'reserved')`,
      revenue: sql<number>`(SELECT coalesce(sum(p.amount - p.amount_refunded), 0) FROM coupon_redemptions r JOIN payments p ON p.id = r.payment_id WHERE r.coupon_id = ${coupons.id} AND r.status = 'redeemed')`,
      discounted: sql<number>`(SELECT coalesce(sum(r.discount_amount), 0) FROM coupon_redemptions r WHERE r.coupon_id = ${coupons.id} AND r.status = 'redeemed')`,
    })
    .from(coupons)
    .leftJoin(courses, and(eq(coupons.scope, "course"), eq(courses.id, coupons.scopeRef)))
    .where(opts.createdBy ? eq(coupons.createdBy, opts.createdBy) : undefined)
    .orderBy(desc(coupons.createdAt), desc(coupons.id))
    .limit(opts.limit ?? 200)
    .all();
  return rows.map((r) => ({ ...r.coupon, courseTitle: r.courseTitle, redeemed: r.redeemed, reserved: r.reserved, revenue: r.revenue, discounted: r.discounted }));
}

/** A code's state in words, for lists. */
export function couponStateWords(c: Pick<Coupon, "active" | "expiresAt" | "maxRedemptions">, redeemed: number, t = now()) {
  if (!c.active) return { words: "Deactivated", tone: "neutral" as const };
  if (c.expiresAt !== null && c.expiresAt <= t) return { words: `Expired on ${dayMonth(c.expiresAt - 1)}`, tone: "neutral" as const };
  if (c.maxRedemptions !== null && redeemed >= c.maxRedemptions) return { words: "Used up", tone: "warning" as const };
  return { words: c.expiresAt ? `Active until ${dayMonth(c.expiresAt - 1)}` : "Active", tone: "success" as const };
}

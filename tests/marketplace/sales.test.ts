import { env, SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { createAppContext } from "../../workers/app";
import type { SessionUser } from "~/modules/auth/session.server";
import { purchaseCourse } from "~/modules/marketplace/checkout.server";
import { createCoupon } from "~/modules/marketplace/coupons.server";
import { entriesForPayment } from "~/modules/marketplace/earnings.server";
import { setSale } from "~/modules/marketplace/sales.server";
import { processPayment } from "~/modules/payments/process.server";
import { reconcilePayment } from "~/modules/payments/reconcile.server";
import { resetClock } from "~/utils/clock";
import { createId } from "~/utils/ids";
import { auditLog, couponRedemptions, courses, payments, subscriptions } from "~drizzle/schema";
import { Browser, db, insertUser, signedInAs, waitFor } from "../helpers";
import { insertCourse } from "./helpers";

// Sale prices end to end: the instructor's form, the catalog and course page (anonymous, from the
// edge cache too), the charge, the earning, the receipt, codes during a sale, and the list price.

const DAY = 86_400_000;
const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));
const session = (u: Awaited<ReturnType<typeof insertUser>>): SessionUser => ({ ...u, sessionId: null, via: "session" });
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const courseRow = (id: string) => db().select().from(courses).where(eq(courses.id, id)).get();

afterEach(() => resetClock());

async function instructorWithCourse(priceAmount = 4900) {
  const { user, browser } = await signedInAs("instructor");
  const course = await insertCourse(user.id, { priceAmount, title: `Sale course ${createId("course").slice(-6)}` });
  return { user, browser, course };
}

describe("a course on sale", () => {
  it("set from the instructor's page: shown struck through in the catalog and on the course page, charged, split 70/30, on the receipt", async () => {
    const { user, browser, course } = await instructorWithCourse();
    const t = Date.now();
    const page = await browser.submit(`/instructor/courses/${course.id}`, { intent: "sale", salePrice: "29.00", saleStartsOn: utcDay(t), saleEndsOn: utcDay(t + 6 * DAY) });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("On sale now at $29.00 (instead of $49.00) until");
    const row = (await courseRow(course.id))!;
    expect(row).toMatchObject({ salePriceAmount: 2900, saleEndsAt: Date.parse(`${utcDay(t + 6 * DAY)}T00:00:00Z`) + DAY });
    expect(row.saleStartsAt).toBeLessThanOrEqual(Date.now());
    expect(await db().select().from(auditLog).where(and(eq(auditLog.targetId, course.id), eq(auditLog.action, "course.sale_set"))).all()).toHaveLength(1);

    // Anonymous catalog (searching its title) and course page; the API says it too.
    const catalog = await (await SELF.fetch(`http://localhost/courses?q=${encodeURIComponent(course.title)}`)).text();
    expect(catalog).toMatch(/data-testid="sale-price"><strong>\$29\.00<\/strong> <del aria-label="was \$49\.00">\$49\.00<\/del>/);
    const coursePage = await (await SELF.fetch(`http://localhost/courses/${course.slug}`)).text();
    expect(coursePage).toContain("On sale until");
    expect(coursePage).toMatch(/Buy for (<!-- -->)?\$29\.00(<!-- -->)? \(was \$49\.00\)/);
    const api = (await (await SELF.fetch(`http://localhost/api/courses/${course.id}`)).json()) as { course?: { sale: unknown }; sale?: unknown };
    expect(api.course?.sale ?? api.sale).toEqual({ amount: 2900, endsAt: row.saleEndsAt });

    // Bought at the sale price; the instructor earns 70 % of what was paid.
    const learner = session(await insertUser("student"));
    const outcome = await purchaseCourse(app(), learner, { courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" });
    expect(outcome.status).toBe("payment_started");
    if (outcome.status !== "payment_started") return;
    expect(outcome.payment.amount).toBe(2900);
    await reconcilePayment(app(), outcome.payment.paymentId);
    const payment = (await db().select().from(payments).where(eq(payments.id, outcome.payment.paymentId)).get())!;
    expect(payment).toMatchObject({ status: "succeeded", amount: 2900 });
    expect(payment.metadata).toMatchObject({ listPrice: "4900", salePrice: "2900", saleDiscount: "2000", saleEndsAt: String(row.saleEndsAt) });
    const [sale] = await entriesForPayment(app(), payment.id);
    expect(sale).toMatchObject({ kind: "sale", grossAmount: 2900, instructorAmount: 2030, platformAmount: 870, instructorId: user.id });

    // The receipt shows the same breakdown.
    const buyer = await signedInAsExisting(learner);
    const receipt = await (await buyer.fetch(`/account/payments/${payment.id}`)).text();
    expect(receipt).toContain("Sale until");
    expect(receipt).toMatch(/minus <\/span><span aria-hidden="true">−<\/span>\$20\.00/);
  });

  it("members' discount applies on the sale price, in proportion and rounded down", async () => {
    const { course } = await instructorWithCourse(1999);
    const t = Date.now();
    await db().update(courses).set({ salePriceAmount: 999, saleStartsAt: t - DAY, saleEndsAt: t + DAY }).where(eq(courses.id, course.id)).run();
    const member = await insertUser("student");
    const subId = createId("subscription");
    await db()
      .insert(subscriptions)
      .values({ id: subId, userId: member.id, tier: "pro", interval: "month", status: "active", amount: 1500, currency: "usd", currentPeriodStart: t, currentPeriodEnd: t + 30 * DAY, stripeSubscriptionId: `sub_${subId.slice(4)}`, stripeCustomerId: `cus_${subId.slice(4)}`, stripePriceId: "price_x", syncedAt: t, createdAt: t, updatedAt: t })
      .run();
    const outcome = await purchaseCourse(app(), session(member), { courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" });
    // 19.99 → Pro 20 % 15.99 → × 9.99 / 19.99 = 7.991 → 7.99.
    expect(outcome.status === "payment_started" && outcome.payment.amount).toBe(799);
  });

  it("a promotion code applies only when it beats the sale (never both); a weaker one is refused in words and reserves nothing", async () => {
    const { course } = await instructorWithCourse();
    const t = Date.now();
    await db().update(courses).set({ salePriceAmount: 2900, saleStartsAt: t - DAY, saleEndsAt: t + 2 * DAY }).where(eq(courses.id, course.id)).run();
    const admin = session(await insertUser("admin"));
    const weak = await createCoupon(app(), admin, { code: `W${createId("coupon").slice(-8).toUpperCase()}`, kind: "percent", percent: "10", scope: "catalog" });
    const strong = await createCoupon(app(), admin, { code: `S${createId("coupon").slice(-8).toUpperCase()}`, kind: "percent", percent: "50", scope: "catalog" });
    const learner = session(await insertUser("student"));
    await expect(processPayment(app(), learner, { purpose: "course_purchase", courseId: course.id, promotionCode: weak.code })).rejects.toMatchObject({ status: 409, message: "The sale price is already lower than this code would make it, so the sale applies." });
    expect(await db().select().from(couponRedemptions).where(eq(couponRedemptions.couponId, weak.id)).all()).toEqual([]);
    expect(await db().select().from(payments).where(eq(payments.userId, learner.id)).all()).toEqual([]);
    // The course page says the same before anyone pays.
    const buyer = await signedInAsExisting(learner);
    const page = await (await buyer.fetch(`/courses/${course.slug}?code=${weak.code}`)).text();
    expect(page).toContain("The sale price is already lower than this code would make it, so the sale applies.");
    expect(page).toMatch(/Buy for (<!-- -->)?\$29\.00/);
    const strongPage = await (await buyer.fetch(`/courses/${course.slug}?code=${strong.code}`)).text();
    expect(strongPage).toMatch(/Buy for (<!-- -->)?\$24\.50/);
    expect(strongPage).not.toContain("On sale until");

    // 50 % off 49.00 = 24.50 beats the sale's 29.00: the code applies instead, reserved once.
    const paid = await processPayment(app(), learner, { purpose: "course_purchase", courseId: course.id, promotionCode: strong.code });
    expect(paid).toMatchObject({ amount: 2450 });
    const row = (await db().select().from(payments).where(eq(payments.userId, learner.id)).get())!;
    expect(row.metadata).toMatchObject({ listPrice: "4900", couponCode: strong.code, couponDiscount: "2450" });
    expect(row.metadata.saleDiscount).toBeUndefined();
    expect(await db().select().from(couponRedemptions).where(eq(couponRedemptions.couponId, strong.id)).all()).toHaveLength(1);
  });

  it("refuses bad sales in words and changes nothing; keeps the list price above a sale; ends after a confirmation", async () => {
    const { browser, course } = await instructorWithCourse();
    const t = Date.now();
    const bad = [
      [{ salePrice: "49.00", saleStartsOn: utcDay(t), saleEndsOn: utcDay(t + DAY) }, "The sale price must be below the course&#x27;s price"],
      [{ salePrice: "2.00", saleStartsOn: utcDay(t), saleEndsOn: utcDay(t + DAY) }, "A sale keeps the course at $4.99 or more"],
      [{ salePrice: "twenty", saleStartsOn: utcDay(t), saleEndsOn: utcDay(t + DAY) }, "Enter the sale price"],
      [{ salePrice: "29.00", saleStartsOn: utcDay(t - 2 * DAY), saleEndsOn: utcDay(t + DAY) }, "Choose today or a later day"],
      [{ salePrice: "29.00", saleStartsOn: utcDay(t), saleEndsOn: utcDay(t + 40 * DAY) }, "A sale runs at most 31 days"],
    ] as const;
    for (const [fields, message] of bad) {
      const res = await browser.submit(`/instructor/courses/${course.id}`, { intent: "sale", ...fields });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(message);
    }
    expect(await courseRow(course.id)).toMatchObject({ salePriceAmount: null, saleStartsAt: null, saleEndsAt: null });
    // Someone else's course: not theirs to put on sale.
    const other = await insertCourse((await insertUser("instructor")).id, { priceAmount: 4900 });
    const instructor = session((await db().query.users.findFirst({ where: (u, { eq: e }) => e(u.id, course.instructorId) }))!);
    await expect(setSale(app(), instructor, other.id, { salePrice: "29.00", saleStartsOn: utcDay(t), saleEndsOn: utcDay(t + DAY) })).rejects.toMatchObject({ status: 403 });

    await browser.submit(`/instructor/courses/${course.id}`, { intent: "sale", salePrice: "29.00", saleStartsOn: utcDay(t + DAY), saleEndsOn: utcDay(t + 3 * DAY) });
    expect((await courseRow(course.id))!.saleStartsAt).toBe(Date.parse(`${utcDay(t + DAY)}T00:00:00Z`));
    const lowered = await browser.submit(`/instructor/courses/${course.id}`, { intent: "update", price: "25.00", currency: "usd" });
    expect(lowered.status).toBe(400);
    expect(await lowered.text()).toContain("The course is on sale at $29.00: end the sale first, or keep the price above it.");
    expect((await courseRow(course.id))!.priceAmount).toBe(4900);

    const ask = await browser.submit(`/instructor/courses/${course.id}`, { intent: "end-sale" });
    expect(await ask.text()).toContain("End the sale now?");
    expect((await courseRow(course.id))!.salePriceAmount).toBe(2900);
    const ended = await browser.submit(`/instructor/courses/${course.id}`, { intent: "end-sale", confirm: "yes" });
    expect(await ended.text()).toContain("The sale has ended; the course is back at its price.");
    expect(await courseRow(course.id)).toMatchObject({ salePriceAmount: null, saleStartsAt: null, saleEndsAt: null });
    expect(await db().select().from(auditLog).where(and(eq(auditLog.targetId, course.id), eq(auditLog.action, "course.sale_ended"))).all()).toHaveLength(1);
  });

  it("a cached page expires when its sale starts, though no course changed", async () => {
    const { course } = await instructorWithCourse();
    const startsAt = Date.now() + 1500;
    await db().update(courses).set({ salePriceAmount: 2900, saleStartsAt: startsAt, saleEndsAt: startsAt + DAY }).where(eq(courses.id, course.id)).run();
    const url = `http://localhost/courses/${course.slug}`;
    const first = await SELF.fetch(url);
    expect(first.headers.get("X-Edge-Fresh-Until")).toBeNull(); // internal to the cache
    expect(await first.text()).toMatch(/Buy for (<!-- -->)?\$49\.00/);
    const second = await SELF.fetch(url);
    expect(second.headers.get("X-Edge-Cache")).toBe("HIT");
    await second.text();
    const onSale = await waitFor(async () => {
      const res = await SELF.fetch(url);
      const html = await res.text();
      return Date.now() > startsAt && /Buy for (<!-- -->)?\$29\.00/.test(html) ? res : undefined;
    }, 10_000);
    expect(onSale.headers.get("X-Edge-Cache")).toBe("MISS");
  });
});

async function signedInAsExisting(user: SessionUser) {
  const browser = new Browser();
  await browser.login(user.email);
  return browser;
}

import { desc, eq } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { AppError } from "~/utils/errors";
import { formatMoney, type Currency } from "~/utils/money";
import { courses } from "~drizzle/schema";
import { COUPON_SCOPE_LABELS } from "./coupon-policy";
import { couponStateWords, createCoupon, deactivateCoupon, describeTerms, listCoupons } from "./coupons.server";

/** What the admin and instructor coupons pages show (components/coupons-page.tsx). */
export async function couponsPageData(app: AppContext, user: SessionUser, scope: "all" | "own") {
  const [rows, courseList] = await Promise.all([
    listCoupons(app, scope === "own" ? { createdBy: user.id } : {}),
    app.db
      .select({ id: courses.id, title: courses.title })
      .from(courses)
      .where(scope === "own" ? eq(courses.instructorId, user.id) : eq(courses.status, "published"))
      .orderBy(desc(courses.createdAt))
      .limit(200)
      .all(),
  ]);
  const items = rows.map((c) => {
    const currency = (c.currency ?? "usd") as Currency;
    const limits = [
      c.maxRedemptions !== null ? `${c.maxRedemptions.toLocaleString("en-US")} uses in all` : null,
      c.oncePerCustomer ? "once per learner" : null,
      c.firstPurchaseOnly ? "first purchase only" : null,
      c.minAmount !== null ? `prices from ${formatMoney(c.minAmount, currency)}` : null,
    ].filter(Boolean);
    return {
      id: c.id,
      code: c.code,
      terms: describeTerms(c),
      scope: c.scope,
      appliesTo: c.scope === "course" ? (c.courseTitle ?? "A course") : c.scope === "instructor" ? `${COUPON_SCOPE_LABELS.instructor} (${c.scopeRef})` : COUPON_SCOPE_LABELS.catalog,
      state: couponStateWords(c, c.redeemed),
      limits: limits.join(", "),
      redeemed: c.redeemed,
      reserved: c.reserved,
      revenue: c.revenue,
      discounted: c.discounted,
      currency,
      active: c.active,
    };
  });
  return { items, courses: courseList };
}

/** The pages' two intents. */
export async function couponsPageAction(app: AppContext, user: SessionUser, form: FormData): Promise<string> {
  const intent = form.get("intent");
  if (intent === "create") {
    const coupon = await createCoupon(app, user, Object.fromEntries([...form].filter(([k]) => k !== "csrf" && k !== "intent")));
    return `Code ${coupon.code} is ready: ${describeTerms(coupon)}.`;
  }
  if (intent === "deactivate") {
    await deactivateCoupon(app, user, String(form.get("couponId") ?? ""));
    return "The code was deactivated. Checkouts already started with it can still finish.";
  }
  throw new AppError("bad_request", "Unknown action.");
}

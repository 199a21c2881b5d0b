import { DAY } from "~/utils/clock";
import { formatMoney, type Currency } from "~/utils/money";
import { COUPON_POLICY } from "./coupon-policy";

/*
 * Sale prices (docs/marketplace.md, "Sales"): an instructor puts a course on sale at a lower price
 * for a stated time. Pure: no I/O, safe in browser code. In the price breakdown the sale takes the
 * promotion step, the same step as a code (price-breakdown.ts): a course on sale takes no code, so
 * a learner never stacks the two and every page shows one promotional price.
 */

export const SALE_POLICY = {
  /** Longest a sale may run, and how far ahead it may be scheduled (days). */
  maxLengthDays: 31,
  startsWithinDays: 90,
  /** A sale keeps the course at or above the same floor as an instructor's codes. */
  priceFloor: COUPON_POLICY.instructor.priceFloor,
} as const;

export type Sale = { price: number; startsAt: number; endsAt: number };
type SaleColumns = { priceAmount: number; salePriceAmount: number | null; saleStartsAt: number | null; saleEndsAt: number | null };

/** The course's sale, scheduled, running or over (null when none is set). */
export function saleOf(course: SaleColumns): Sale | null {
  if (course.salePriceAmount === null || course.saleStartsAt === null || course.saleEndsAt === null) return null;
  return { price: course.salePriceAmount, startsAt: course.saleStartsAt, endsAt: course.saleEndsAt };
}

/** The sale running at `t` (its price below the list price), or null. */
export function activeSale(course: SaleColumns, t: number): Sale | null {
  const sale = saleOf(course);
  return sale && sale.startsAt <= t && t < sale.endsAt && sale.price < course.priceAmount ? sale : null;
}

/**
 * When the price of any of these courses next changes by a sale starting or ending (epoch ms), or
 * null: a page showing them is fresh until then (the edge cache keeps it no longer).
 */
export function nextPriceChange(list: SaleColumns[], t: number): number | null {
  let next: number | null = null;
  for (const course of list) {
    const sale = saleOf(course);
    if (!sale) continue;
    for (const at of [sale.startsAt, sale.endsAt]) if (at > t && (next === null || at < next)) next = at;
  }
  return next;
}

/** Why a sale cannot be set, per form field, or null when it can (days are UTC: a sale runs from the start of its first day through its last day). */
export function saleErrors(input: { listPrice: number; currency: Currency; price: number | null; startsOn: string; endsOn: string }, t: number): { sale: Sale | null; errors: Record<string, string[]> } {
  const errors: Record<string, string[]> = {};
  const day = (v: string) => (/^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : NaN);
  const floor = SALE_POLICY.priceFloor[input.currency];
  if (input.listPrice === 0) errors.salePrice = ["A free course cannot go on sale"];
  else if (input.price === null || !Number.isInteger(input.price)) errors.salePrice = ["Enter the sale price"];
  else if (input.price >= input.listPrice) errors.salePrice = ["The sale price must be below the course's price"];
  else if (input.price < floor) errors.salePrice = [`A sale keeps the course at ${formatMoney(floor, input.currency)} or more`];
  const start = day(input.startsOn);
  const end = day(input.endsOn);
  const today = Math.floor(t / DAY) * DAY;
  if (!Number.isFinite(start)) errors.saleStartsOn = ["Enter the first day of the sale"];
  else if (start < today) errors.saleStartsOn = ["Choose today or a later day"];
  else if (start > today + SALE_POLICY.startsWithinDays * DAY) errors.saleStartsOn = [`Start within ${SALE_POLICY.startsWithinDays} days`];
  if (!Number.isFinite(end)) errors.saleEndsOn = ["Enter the last day of the sale"];
  else if (Number.isFinite(start) && end < start) errors.saleEndsOn = ["The last day comes on or after the first"];
  else if (Number.isFinite(start) && end - start >= SALE_POLICY.maxLengthDays * DAY) errors.saleEndsOn = [`A sale runs at most ${SALE_POLICY.maxLengthDays} days`];
  if (Object.keys(errors).length) return { sale: null, errors };
  // A sale starting today starts now (not at midnight past), so it never begins in the past.
  return { sale: { price: input.price!, startsAt: Math.max(start, t), endsAt: end + DAY }, errors };
}

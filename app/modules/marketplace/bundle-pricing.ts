import { largestRemainder } from "~/utils/money";

/*
 * Bundle money, as pure functions (decision 014, docs/marketplace.md "Bundles"). Every split uses
 * the largest-remainder rule (`largestRemainder` in app/utils/money.ts), so the parts always add up
 * to the whole, to the cent, and none is negative.
 */

/** Each course's share of the bundle price, split by the courses' list prices. */
export function bundleShares(price: number, listPrices: readonly number[]): number[] {
  return largestRemainder(price, listPrices);
}

export type BundleQuoteItem = { courseId: string; listPrice: number; owned: boolean };
export type BundleQuote = {
  /** Every course with its share of the bundle price, in bundle order. */
  items: (BundleQuoteItem & { share: number })[];
  /** The shares of the courses the learner already owns: taken off the price. */
  ownedCredit: number;
  /** What the learner pays: the price less the owned shares (the sum of the other shares), never below zero. */
  amount: number;
  /** The courses this purchase pays for (not owned), with their shares. */
  payFor: { courseId: string; listPrice: number; share: number }[];
};

/**
 * What a learner pays for a bundle: its price less the shares of the courses they already own.
 * `amount` is 0 when everything is owned (no purchase then); `amount + ownedCredit = price`.
 */
export function quoteBundle(price: number, items: readonly BundleQuoteItem[]): BundleQuote {
  const shares = bundleShares(price, items.map((i) => i.listPrice));
  const priced = items.map((item, i) => ({ ...item, share: shares[i]! }));
  const ownedCredit = priced.filter((i) => i.owned).reduce((a, i) => a + i.share, 0);
  const payFor = priced.filter((i) => !i.owned).map(({ courseId, listPrice, share }) => ({ courseId, listPrice, share }));
  return { items: priced, ownedCredit, amount: Math.max(0, price - ownedCredit), payFor };
}

/**
 * Each paid-for course's share of what was actually paid (`paid` may be below the quote, e.g. reward
 * tokens paid part of it), split by the quoted shares, or by list price if every quoted share is 0.
 */
export function paidShares(paid: number, quoted: readonly { share: number; listPrice: number }[]): number[] {
  if (quoted.length === 0) return [];
  const weights = quoted.some((q) => q.share > 0) ? quoted.map((q) => q.share) : quoted.map((q) => q.listPrice);
  return largestRemainder(paid, weights);
}

/**
 * How one refund of `amount` is spread over the courses still paid for: by what is left of each
 * course's share (largest remainder), capped at what is left in all. A part never exceeds what is
 * left of its course, so refunding in pieces ends at exactly zero for every course.
 */
export function spreadRefund(amount: number, remaining: readonly number[]): number[] {
  const left = remaining.reduce((a, b) => a + b, 0);
  if (left <= 0 || amount <= 0) return remaining.map(() => 0);
  return largestRemainder(Math.min(amount, left), remaining);
}

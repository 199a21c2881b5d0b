import * as z from "zod";

import { CURRENCIES, type Currency } from "./currency";
export { CURRENCIES, formatMoney, type Currency } from "./currency";
export const currencySchema = z.enum(Object.keys(CURRENCIES) as [Currency, ...Currency[]]);

/** An amount in integer minor units (cents) with its currency. Never a float. */
export type Money = { amount: number; currency: Currency };

export const minorUnitsSchema = z.number().int().safe();

export function money(amount: number, currency: Currency): Money {
  if (!Number.isSafeInteger(amount)) throw new TypeError(`Money amounts are integer minor units, got ${amount}`);
  return { amount, currency };
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount - b.amount, a.currency);
}

function assertSameCurrency(a: Money, b: Money) {
  if (a.currency !== b.currency) throw new TypeError(`Currency mismatch: ${a.currency} vs ${b.currency}`);
}

/**
 * Splits `total` by integer weights (e.g. [70, 30]). Each part is floored; the remainder (fewer
 * minor units than there are parts) goes one unit at a time to the parts in order, so the first
 * party receives any leftover cent and the parts always sum exactly to the total.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new TypeError("allocate() needs a non-negative integer total");
  if (weights.length === 0 || weights.some((w) => !Number.isInteger(w) || w < 0)) {
    throw new TypeError("allocate() needs non-negative integer weights");
  }
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) throw new TypeError("allocate() weights must not all be zero");
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  let remainder = total - parts.reduce((a, b) => a + b, 0);
  for (let i = 0; remainder > 0; i = (i + 1) % parts.length) {
    if (weights[i]! > 0) {
      parts[i]! += 1;
      remainder -= 1;
    }
  }
  return parts;
}

/**
 * Splits `total` by integer weights with the largest-remainder (Hamilton) rule: each part is
 * `floor(total × w / Σw)`, then the minor units still missing go one each to the parts with the
 * largest remainders `(total × w) mod Σw` (ties to the earlier part). The parts add up to `total`
 * exactly, none is negative, and a part of weight 0 is 0. Integer math only: `total × w` stays
 * below 2^53 for every amount and weight the app uses (both ≤ 10^7).
 */
export function largestRemainder(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new TypeError("largestRemainder() needs a non-negative integer total");
  if (weights.length === 0 || weights.some((w) => !Number.isSafeInteger(w) || w < 0)) {
    throw new TypeError("largestRemainder() needs non-negative integer weights");
  }
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) throw new TypeError("largestRemainder() weights must not all be zero");
  if (!Number.isSafeInteger(total * Math.max(...weights))) throw new RangeError("largestRemainder() total × weight is too large for exact integer math");
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  let missing = total - parts.reduce((a, b) => a + b, 0);
  const order = weights
    .map((w, i) => ({ i, rest: (total * w) % sum }))
    .filter((x) => weights[x.i]! > 0)
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (let k = 0; missing > 0; k++, missing--) parts[order[k % order.length]!.i]! += 1;
  return parts;
}

/**
 * Applies a percentage discount in basis points: the price after it, rounded down, so the payer never
 * pays more than the exact figure and at most one minor unit less (30% off 19.99 is 13.993: 13.99,
 * not 14.00). Integer math only (amount × 10,000 stays far below 2^53 for any price).
 */
export function discountBps(amount: number, bps: number): number {
  return Math.floor((amount * (10_000 - bps)) / 10_000);
}

export type ParsedAmount = { ok: true; amount: number } | { ok: false; error: string };

/**
 * The one way a typed amount ("19.99", "1,000.50", "500" for JPY) becomes integer minor units of
 * `currency`: string arithmetic on the digits, never floating point, with the currency's exponent
 * (two decimals for USD, none for JPY) and a message that says what is wrong.
 */
export function parseAmount(input: string, currency: Currency): ParsedAmount {
  const scale = CURRENCIES[currency];
  const code = currency.toUpperCase();
  const clean = input.trim().replace(/(\d),(?=\d{3}(\D|$))/g, "$1").replace(/\s/g, "");
  if (clean === "") return { ok: false, error: "Enter an amount" };
  if (clean.startsWith("-")) return { ok: false, error: "Enter an amount of zero or more" };
  const match = /^(\d{1,9})(?:\.(\d*))?$/.exec(clean);
  if (!match) return { ok: false, error: scale ? `Enter an amount like 12.50` : `Enter a whole amount like 500` };
  const fraction = match[2] ?? "";
  if (fraction.length > scale) {
    return { ok: false, error: scale ? `${code} amounts have at most ${scale} decimal places` : `${code} amounts have no decimal places` };
  }
  return { ok: true, amount: Number(match[1]) * 10 ** scale + Number(fraction.padEnd(scale, "0") || "0") };
}

/** parseAmount for callers that only need the number: null when the text is not an amount. */
export function parseMajorUnits(input: string, currency: Currency): number | null {
  const parsed = parseAmount(input, currency);
  return parsed.ok ? parsed.amount : null;
}

/** Inverse of parseAmount, for form defaults: 1999 usd → "19.99", 500 jpy → "500". */
export function toMajorUnits(amount: number, currency: Currency): string {
  const scale = CURRENCIES[currency];
  const sign = amount < 0 ? "-" : "";
  const digits = String(Math.abs(amount));
  if (scale === 0) return sign + digits;
  const s = digits.padStart(scale + 1, "0");
  return `${sign}${s.slice(0, -scale)}.${s.slice(-scale)}`;
}

import { discountFor } from "~/modules/tokens/config";
import { discountBps, type Currency } from "~/utils/money";

/*
 * The one price breakdown of a course purchase (docs/decisions/012-price-breakdown-and-coupons.md).
 * Pure: no I/O, safe in browser code. The order is fixed:
 *
 *   list price → tier discount (members' percentage) → promotion code or sale → reward tokens (capped)
 *
 * A sale (sales.ts) and a code share the promotion step: the learner gets whichever takes more off,
 * never both (a code that does not beat the sale is refused in words). A sale lowers the price in
 * proportion, so a member's price on sale is the sale price less their discount (rounded down, as
 * every step).
 *
 * Each step works on what the step before left, and every percentage rounds the *price* down
 * (`discountBps`), so the learner never pays more than the exact figure and at most one minor unit
 * less per step. The parts add up to the cent: list − tier − code − tokens = total. The course page,
 * the payment (its amount and Stripe metadata), Checkout's line item and the receipt all read this
 * one computation; `breakdownMetadata` / `breakdownFromMetadata` carry it across.
 */

/** What a promotion code takes off: a percentage (basis points) or an amount in the price's currency. */
export type CouponTerms = { kind: "percent"; percentBps: number } | { kind: "amount"; amountOff: number };

export type BreakdownInput = {
  listPrice: number;
  currency: Currency;
  /** The member's tier discount in basis points (0 for Free), from the entitlement. */
  tierBps: number;
  /** The tier's name for the line label ("Pro"). */
  tierName?: string;
  coupon?: { code: string; terms: CouponTerms; /** Lowest price the code may leave (an instructor code's floor). */ floor?: number } | null;
  /** The sale running now (sales.ts `activeSale`); with a coupon too, the larger discount applies. */
  sale?: { price: number; endsAt: number } | null;
  /** Reward tokens offered towards the price (capped by TOKEN_RULES.courseDiscount). */
  tokensOffered?: number;
};

export type BreakdownLine = { kind: "list" | "tier" | "sale" | "coupon" | "tokens" | "total"; label: string; amount: number };

export type PriceBreakdown = {
  currency: Currency;
  listPrice: number;
  tierBps: number;
  tierDiscount: number;
  afterTier: number;
  coupon: { code: string; discount: number } | null;
  /** The sale's share of the promotion step (exclusive with `coupon`). */
  sale: { price: number; endsAt: number; discount: number } | null;
  /** The price after the promotion step (code or sale). */
  afterCoupon: number;
  tokens: { tokens: number; discount: number };
  total: number;
};

/** The code's own discount on `price` (after the tier), never below `floor` nor below zero. */
export function couponDiscount(price: number, terms: CouponTerms, floor = 0): number {
  const raw = terms.kind === "percent" ? price - discountBps(price, Math.min(10_000, Math.max(0, terms.percentBps))) : Math.max(0, terms.amountOff);
  return Math.max(0, Math.min(raw, price - Math.min(price, floor)));
}

export function priceBreakdown(input: BreakdownInput): PriceBreakdown {
  const { listPrice, currency } = input;
  const tierBps = Math.min(10_000, Math.max(0, input.tierBps));
  const afterTier = discountBps(listPrice, tierBps);
  const offered = input.coupon ? { code: input.coupon.code, discount: couponDiscount(afterTier, input.coupon.terms, input.coupon.floor) } : null;
  const onSale = input.sale ? { ...input.sale, discount: saleDiscount(afterTier, input.sale.price, listPrice) } : null;
  // One promotion: the code only if it takes strictly more off than the sale.
  const coupon = offered && (!onSale || offered.discount > onSale.discount) ? offered : null;
  const sale = onSale && onSale.discount > 0 && !coupon ? onSale : null;
  const afterCoupon = afterTier - (coupon?.discount ?? 0) - (sale?.discount ?? 0);
  const tokens = input.tokensOffered ? discountFor(afterCoupon, input.tokensOffered) : { discount: 0, tokens: 0 };
  return {
    currency,
    listPrice,
    tierBps,
    tierDiscount: listPrice - afterTier,
    afterTier,
    coupon,
    sale,
    afterCoupon,
    tokens: { tokens: tokens.tokens, discount: tokens.discount },
    total: afterCoupon - tokens.discount,
  };
}

/**
 * What a sale takes off `price` (after the tier): the price falls to `price × salePrice ÷ listPrice`,
 * rounded down (exact integer math: the product stays far below 2^53). Nothing for a "sale" at or
 * above the list price.
 */
export function saleDiscount(price: number, salePrice: number, listPrice: number): number {
  if (listPrice <= 0 || salePrice >= listPrice) return 0;
  return price - Math.floor((price * Math.max(0, salePrice)) / listPrice);
}

const percent = (bps: number) => `${Number.isInteger(bps / 100) ? bps / 100 : (bps / 100).toFixed(2)} %`;

/** The lines a page, Checkout or a receipt prints, in order; money is formatted by the caller. */
export function breakdownLines(b: PriceBreakdown, tierName = "Member"): BreakdownLine[] {
  const lines: BreakdownLine[] = [{ kind: "list", label: "Price", amount: b.listPrice }];
  if (b.tierDiscount > 0) lines.push({ kind: "tier", label: `${tierName} member discount (${percent(b.tierBps)})`, amount: -b.tierDiscount });
  if (b.sale && b.sale.discount > 0) lines.push({ kind: "sale", label: "Sale", amount: -b.sale.discount });
  if (b.coupon && b.coupon.discount > 0) lines.push({ kind: "coupon", label: `Code ${b.coupon.code}`, amount: -b.coupon.discount });
  if (b.tokens.discount > 0) lines.push({ kind: "tokens", label: `Reward tokens (${b.tokens.tokens.toLocaleString("en-US")})`, amount: -b.tokens.discount });
  lines.push({ kind: "total", label: "You pay", amount: b.total });
  return lines;
}

/**
 * The breakdown as Stripe metadata strings (the payment's own metadata and Checkout's). Keys already
 * used before coupons keep their meaning: `listPrice`, `discountBps` (tier), `tokenDiscount`,
 * `tokensHeld` (written by the tokens capability).
 */
export function breakdownMetadata(b: Omit<PriceBreakdown, "tokens" | "total">, tierName?: string): Record<string, string> {
  const out: Record<string, string> = { listPrice: String(b.listPrice), discountBps: String(b.tierBps), tierDiscount: String(b.tierDiscount) };
  if (tierName) out.tierName = tierName;
  if (b.coupon && b.coupon.discount > 0) {
    out.couponCode = b.coupon.code;
    out.couponDiscount = String(b.coupon.discount);
  }
  if (b.sale && b.sale.discount > 0) {
    out.salePrice = String(b.sale.price);
    out.saleEndsAt = String(b.sale.endsAt);
    out.saleDiscount = String(b.sale.discount);
  }
  return out;
}

const int = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : 0);

/**
 * The breakdown of a payment, read back from its metadata and amount (receipts, history). A
 * payment from before breakdowns were recorded shows its list price (if any) and what was paid.
 */
export function breakdownFromMetadata(payment: { amount: number; currency: Currency; metadata: Record<string, string> }): { breakdown: PriceBreakdown; tierName: string } | null {
  const m = payment.metadata;
  if (!m.listPrice) return null;
  const listPrice = int(m.listPrice);
  const tierBps = int(m.discountBps);
  const tierDiscount = m.tierDiscount !== undefined ? int(m.tierDiscount) : listPrice - discountBps(listPrice, tierBps);
  const afterTier = listPrice - tierDiscount;
  const coupon = m.couponCode ? { code: m.couponCode, discount: int(m.couponDiscount) } : null;
  const sale = m.saleDiscount ? { price: int(m.salePrice), endsAt: int(m.saleEndsAt), discount: int(m.saleDiscount) } : null;
  const afterCoupon = afterTier - (coupon?.discount ?? 0) - (sale?.discount ?? 0);
  const tokens = { tokens: int(m.tokensHeld), discount: int(m.tokenDiscount) };
  return {
    breakdown: { currency: payment.currency, listPrice, tierBps, tierDiscount, afterTier, coupon, sale, afterCoupon, tokens, total: payment.amount },
    tierName: m.tierName ?? "Member",
  };
}

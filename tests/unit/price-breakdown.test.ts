import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { breakdownFromMetadata, breakdownLines, breakdownMetadata, couponDiscount, priceBreakdown, type CouponTerms } from "~/modules/marketplace/price-breakdown";
import { discountFor } from "~/modules/tokens/config";

const pct = (bps: number): CouponTerms => ({ kind: "percent", percentBps: bps });
const off = (amountOff: number): CouponTerms => ({ kind: "amount", amountOff });

describe("price breakdown: list → tier → code → tokens", () => {
  // [list, tier bps, code, floor, tokens offered] → [tier discount, code discount, token discount, tokens spent, total]
  const table: [number, number, CouponTerms | null, number, number, [number, number, number, number, number]][] = [
    [1999, 0, null, 0, 0, [0, 0, 0, 0, 1999]],
    // Pro 20 % of 19.99 is 3.998: the price rounds down to 15.99, never up to 16.00.
    [1999, 2000, null, 0, 0, [400, 0, 0, 0, 1599]],
    // 30 % of 19.99 = 13.993 → 13.99 (the rounding rule of discountBps).
    [1999, 3000, null, 0, 0, [600, 0, 0, 0, 1399]],
    // Code 25 % after the tier: 15.99 × 0.75 = 11.9925 → 11.99.
    [1999, 2000, pct(2500), 0, 0, [400, 400, 0, 0, 1199]],
    // Amount code after tier, then tokens capped at half of what is left (5.99 → 2.99).
    [1999, 2000, off(1000), 0, 10_000, [400, 1000, 299, 299, 300]],
    // Tokens worth less than the cap: 150 tokens = 1.50.
    [4900, 0, pct(1000), 0, 150, [0, 490, 150, 150, 4260]],
    // An amount code larger than the price stops at zero; with a floor it stops at the floor.
    [999, 0, off(5000), 0, 0, [0, 999, 0, 0, 0]],
    [2000, 0, off(5000), 499, 0, [0, 1501, 0, 0, 499]],
    // A floor above the price: the code takes nothing.
    [400, 0, pct(5000), 499, 0, [0, 0, 0, 0, 400]],
    // Yen (no minor units): 20 % of ¥1,999 → ¥1,599; 10 % code → ¥1,439 (1439.1 rounded down).
    [1999, 2000, pct(1000), 0, 0, [400, 160, 0, 0, 1439]],
    // One minor unit: the tier's price rounds down to zero (never up), nothing is left for code or tokens.
    [1, 2000, pct(2500), 0, 100, [1, 0, 0, 0, 0]],
    [1, 0, pct(2500), 0, 100, [0, 1, 0, 0, 0]],
  ];
  it.each(table)("list %i, tier %i bps, code %o, floor %i, tokens %i", (listPrice, tierBps, terms, floor, tokensOffered, expected) => {
    const b = priceBreakdown({ listPrice, currency: "usd", tierBps, coupon: terms ? { code: "SPRING25", terms, floor } : null, tokensOffered });
    expect([b.tierDiscount, b.coupon?.discount ?? 0, b.tokens.discount, b.tokens.tokens, b.total]).toEqual(expected);
    expect(b.listPrice - b.tierDiscount - (b.coupon?.discount ?? 0) - b.tokens.discount).toBe(b.total);
  });

  it("prints the same lines from the computation and from the payment's metadata", () => {
    const b = priceBreakdown({ listPrice: 1999, currency: "usd", tierBps: 2000, coupon: { code: "SPRING25", terms: pct(2500) }, tokensOffered: 200 });
    const lines = breakdownLines(b, "Pro");
    expect(lines.map((l) => [l.kind, l.label, l.amount])).toEqual([
      ["list", "Price", 1999],
      ["tier", "Pro member discount (20 %)", -400],
      ["coupon", "Code SPRING25", -400],
      ["tokens", "Reward tokens (200)", -200],
      ["total", "You pay", 999],
    ]);
    // What the payment stores: the quote's part, the code hook's and the tokens hook's (tokensHeld, tokenDiscount).
    const metadata = { ...breakdownMetadata(b, "Pro"), tokensHeld: "200", tokenDiscount: "200" };
    const back = breakdownFromMetadata({ amount: b.total, currency: "usd", metadata })!;
    expect(breakdownLines(back.breakdown, back.tierName)).toEqual(lines);
    // A payment from before breakdowns (only listPrice and discountBps) still reads.
    const old = breakdownFromMetadata({ amount: 1599, currency: "usd", metadata: { listPrice: "1999", discountBps: "2000" } })!;
    expect(old.breakdown).toMatchObject({ tierDiscount: 400, afterTier: 1599, coupon: null, total: 1599 });
    expect(breakdownFromMetadata({ amount: 1500, currency: "usd", metadata: {} })).toBeNull();
  });

  it("never charges more than the exact amount, and the parts add up to the cent (property, seeded)", () => {
    const terms = fc.oneof(
      fc.integer({ min: 0, max: 10_000 }).map(pct),
      fc.integer({ min: 0, max: 200_000 }).map(off),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.option(terms),
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (listPrice, tierBps, code, floor, tokensOffered) => {
          const b = priceBreakdown({ listPrice, currency: "usd", tierBps, coupon: code ? { code: "X", terms: code, floor } : null, tokensOffered });
          // Exact figures in rationals (×10^8 avoids fractions): the price never exceeds them.
          const exactAfterTier = (listPrice * (10_000 - tierBps)) / 10_000;
          expect(b.afterTier).toBeLessThanOrEqual(exactAfterTier);
          expect(exactAfterTier - b.afterTier).toBeLessThan(1);
          if (code?.kind === "percent" && floor === 0) {
            const exact = (b.afterTier * (10_000 - code.percentBps)) / 10_000;
            expect(b.afterCoupon).toBeLessThanOrEqual(exact);
            expect(exact - b.afterCoupon).toBeLessThan(1);
          }
          if (code) expect(b.afterCoupon).toBeGreaterThanOrEqual(Math.min(b.afterTier, floor));
          // Each step is the step before minus its own discount, in the stated order.
          expect(b.coupon?.discount ?? 0).toBe(code ? couponDiscount(b.afterTier, code, floor) : 0);
          expect(b.tokens.discount).toBe(tokensOffered ? discountFor(b.afterCoupon, tokensOffered).discount : 0);
          expect(b.tierDiscount + (b.coupon?.discount ?? 0) + b.tokens.discount + b.total).toBe(listPrice);
          for (const part of [b.tierDiscount, b.coupon?.discount ?? 0, b.tokens.discount, b.total]) {
            expect(Number.isSafeInteger(part) && part >= 0).toBe(true);
          }
          // Tokens never pay more than half of what the code left.
          expect(b.tokens.discount * 2).toBeLessThanOrEqual(b.afterCoupon);
        },
      ),
      { seed: 20261207, numRuns: 3_000 },
    );
  });
});

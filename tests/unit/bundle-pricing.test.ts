import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { largestRemainder } from "~/utils/money";
import { bundleShares, paidShares, quoteBundle, spreadRefund } from "~/modules/marketplace/bundle-pricing";

const SEED = 20261207;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe("largestRemainder", () => {
  it("gives the missing units to the largest remainders, not to the first parts", () => {
    // 100 by [1, 1, 1]: 33.33 each, one unit missing → the first (ties go to the earlier part).
    expect(largestRemainder(100, [1, 1, 1])).toEqual([34, 33, 33]);
    // 10 by [1, 2, 7] (sum 10): exact.
    expect(largestRemainder(10, [1, 2, 7])).toEqual([1, 2, 7]);
    // 5000 by [1999, 2999, 4999]: exact 1000.1 / 1500.3 / 2499.6 → floors 1000 / 1500 / 2499,
    // one unit missing, largest remainder is the third (0.6).
    expect(largestRemainder(5000, [1999, 2999, 4999])).toEqual([1000, 1500, 2500]);
    // 1 by [1, 3]: the larger remainder (0.75) wins over the first part.
    expect(largestRemainder(1, [1, 3])).toEqual([0, 1]);
    expect(largestRemainder(7, [0, 5, 0, 5])).toEqual([0, 4, 0, 3]);
  });

  it("rejects floats, negatives, empty or all-zero weights", () => {
    expect(() => largestRemainder(1.5, [1])).toThrow(TypeError);
    expect(() => largestRemainder(-1, [1])).toThrow(TypeError);
    expect(() => largestRemainder(1, [])).toThrow(TypeError);
    expect(() => largestRemainder(1, [0, 0])).toThrow(TypeError);
    expect(() => largestRemainder(1, [1.5])).toThrow(TypeError);
  });
});

describe("bundle shares", () => {
  it("splits a price that does not divide evenly, to the cent", () => {
    // $49.99 over three $29.99 courses: 16.663 each → 1667 / 1666 / 1666.
    expect(bundleShares(4999, [2999, 2999, 2999])).toEqual([1667, 1666, 1666]);
    // $50 over $19.99, $29.99, $49.99 (sum 99.97): 9.998 / 14.999 / 25.002 → 1000 / 1500 / 2500.
    expect(bundleShares(5000, [1999, 2999, 4999])).toEqual([1000, 1500, 2500]);
    // $1.01 over two equal courses: one cent goes to the first.
    expect(bundleShares(101, [500, 500])).toEqual([51, 50]);
  });

  it("takes the owned courses' shares off the price", () => {
    const q = quoteBundle(4999, [
      { courseId: "a", listPrice: 2999, owned: true },
      { courseId: "b", listPrice: 2999, owned: false },
      { courseId: "c", listPrice: 2999, owned: false },
    ]);
    expect(q.ownedCredit).toBe(1667);
    expect(q.amount).toBe(3332);
    expect(q.payFor).toEqual([
      { courseId: "b", listPrice: 2999, share: 1666 },
      { courseId: "c", listPrice: 2999, share: 1666 },
    ]);
  });

  it("charges nothing when everything is owned", () => {
    const q = quoteBundle(3000, [
      { courseId: "a", listPrice: 2000, owned: true },
      { courseId: "b", listPrice: 2000, owned: true },
    ]);
    expect(q).toMatchObject({ amount: 0, ownedCredit: 3000, payFor: [] });
  });

  it("spreads what was paid after tokens over the quoted shares", () => {
    // Quoted 1666 + 1666 = 3332; tokens paid 333 → 2999 paid.
    expect(paidShares(2999, [{ share: 1666, listPrice: 2999 }, { share: 1666, listPrice: 2999 }])).toEqual([1500, 1499]);
    expect(paidShares(3, [{ share: 0, listPrice: 100 }, { share: 0, listPrice: 200 }])).toEqual([1, 2]);
  });

  it("spreads a partial refund over what is left of each course, and refunding in pieces ends at zero", () => {
    expect(spreadRefund(1000, [1667, 1666, 1666])).toEqual([334, 333, 333]);
    let left = [1667, 1666, 1666];
    for (const r of [1, 333, 2000, 7, 5000]) {
      const parts = spreadRefund(r, left);
      expect(sum(parts)).toBe(Math.min(r, sum(left)));
      left = left.map((l, i) => l - parts[i]!);
      expect(left.every((l) => l >= 0)).toBe(true);
    }
    expect(left).toEqual([0, 0, 0]);
    expect(spreadRefund(10, [0, 0])).toEqual([0, 0]);
  });
});

describe("bundle money (properties, seeded)", () => {
  const listPrices = fc.array(fc.integer({ min: 100, max: 100_000 }), { minLength: 2, maxLength: 20 });

  it("shares always sum to the price exactly, none negative, none above the price", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), listPrices, (price, prices) => {
        const shares = bundleShares(price, prices);
        expect(sum(shares)).toBe(price);
        for (const s of shares) expect(s).toBeGreaterThanOrEqual(0);
        // Each share is within one unit of the exact proportion.
        const total = sum(prices);
        shares.forEach((s, i) => expect(Math.abs(s * total - price * prices[i]!)).toBeLessThan(total));
      }),
      { seed: SEED, numRuns: 3_000 },
    );
  });

  it("owned credit plus what is paid is the price; never below zero", () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 1_000_000 }), listPrices, fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }), (price, prices, owned) => {
        const q = quoteBundle(price, prices.map((p, i) => ({ courseId: `c${i}`, listPrice: p, owned: owned[i]! })));
        expect(q.amount).toBeGreaterThanOrEqual(0);
        expect(q.amount + q.ownedCredit).toBe(price);
        expect(sum(q.payFor.map((p) => p.share))).toBe(q.amount);
        if (owned.slice(0, prices.length).every(Boolean)) expect(q.amount).toBe(0);
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it("what was paid is spread to the cent, and any sequence of refunds ends at exactly zero per course", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 1_000_000 }),
        listPrices,
        fc.integer({ min: 0, max: 5_000 }),
        fc.array(fc.integer({ min: 1, max: 400_000 }), { maxLength: 8 }),
        (price, prices, tokenDiscount, refunds) => {
          const shares = bundleShares(price, prices);
          const paid = Math.max(1, price - tokenDiscount);
          const parts = paidShares(paid, shares.map((share, i) => ({ share, listPrice: prices[i]! })));
          expect(sum(parts)).toBe(paid);
          let left = parts;
          for (const r of [...refunds, paid]) {
            const spread = spreadRefund(r, left);
            expect(sum(spread)).toBe(Math.min(r, sum(left)));
            spread.forEach((s, i) => {
              expect(s).toBeGreaterThanOrEqual(0);
              expect(s).toBeLessThanOrEqual(left[i]!);
            });
            left = left.map((l, i) => l - spread[i]!);
          }
          expect(left.every((l) => l === 0)).toBe(true);
        },
      ),
      { seed: SEED, numRuns: 1_500 },
    );
  });
});

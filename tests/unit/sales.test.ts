import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { breakdownFromMetadata, breakdownLines, breakdownMetadata, priceBreakdown } from "~/modules/marketplace/price-breakdown";
import { activeSale, nextPriceChange, saleErrors, SALE_POLICY } from "~/modules/marketplace/sales";

const DAY = 86_400_000;
const T = Date.parse("2026-12-07T15:00:00Z");
const course = (sale: { price: number; startsAt: number; endsAt: number } | null, priceAmount = 4900) => ({
  priceAmount,
  salePriceAmount: sale?.price ?? null,
  saleStartsAt: sale?.startsAt ?? null,
  saleEndsAt: sale?.endsAt ?? null,
});

describe("sale prices in the breakdown: list → tier → sale → tokens", () => {
  // [list, tier bps, sale price, tokens offered] → [tier discount, sale discount, token discount, total]
  const table: [number, number, number, number, [number, number, number, number]][] = [
    // Anonymous or Free: the sale price exactly.
    [4900, 0, 2900, 0, [0, 2000, 0, 2900]],
    // Pro 20 %: 39.20 after the tier, then in proportion 39.20 × 29/49 = 23.20.
    [4900, 2000, 2900, 0, [980, 1600, 0, 2320]],
    // Not a whole share: 19.99 → Pro 15.99 → × 9.99/19.99 = 7.9910… → 7.99 (rounded down).
    [1999, 2000, 999, 0, [400, 800, 0, 799]],
    // Tokens take at most half of what the sale left (29.00 → 14.50).
    [4900, 0, 2900, 100_000, [0, 2000, 1450, 1450]],
    // A "sale" at or above the list price takes nothing (activeSale never passes one; the breakdown guards too).
    [4900, 0, 4900, 0, [0, 0, 0, 4900]],
  ];
  it.each(table)("list %i, tier %i bps, sale %i, tokens %i", (listPrice, tierBps, salePrice, tokensOffered, expected) => {
    const b = priceBreakdown({ listPrice, currency: "usd", tierBps, sale: { price: salePrice, endsAt: T + DAY }, tokensOffered });
    expect([b.tierDiscount, b.sale?.discount ?? 0, b.tokens.discount, b.total]).toEqual(expected);
    expect(b.listPrice - b.tierDiscount - (b.sale?.discount ?? 0) - b.tokens.discount).toBe(b.total);
  });

  it("a sale and a code never stack: the one that takes more off applies (a tie goes to the sale)", () => {
    const withCode = (percentBps: number) => priceBreakdown({ listPrice: 4900, currency: "usd", tierBps: 0, sale: { price: 2900, endsAt: T }, coupon: { code: "X", terms: { kind: "percent", percentBps } } });
    expect(withCode(1000)).toMatchObject({ coupon: null, sale: { discount: 2000 }, total: 2900 });
    expect(withCode(5000)).toMatchObject({ coupon: { code: "X", discount: 2450 }, sale: null, total: 2450 });
    // 20 / 49 is 40.8163… %: 40.81 % also takes 20.00 (the price rounds down) — a tie, the sale stays; 40.82 % takes 20.01.
    expect(withCode(4081)).toMatchObject({ coupon: null, sale: { discount: 2000 } });
    expect(withCode(4082)).toMatchObject({ coupon: { discount: 2001 }, sale: null, total: 2899 });
  });

  it("prints the sale line and reads it back from the payment's metadata", () => {
    const b = priceBreakdown({ listPrice: 4900, currency: "usd", tierBps: 2000, sale: { price: 2900, endsAt: T + DAY } });
    const lines = breakdownLines(b, "Pro");
    expect(lines.map((l) => [l.kind, l.amount])).toEqual([["list", 4900], ["tier", -980], ["sale", -1600], ["total", 2320]]);
    const metadata = breakdownMetadata(b, "Pro");
    expect(metadata).toMatchObject({ salePrice: "2900", saleEndsAt: String(T + DAY), saleDiscount: "1600" });
    const back = breakdownFromMetadata({ amount: b.total, currency: "usd", metadata })!;
    expect(breakdownLines(back.breakdown, back.tierName)).toEqual(lines);
    expect(back.breakdown.sale).toEqual({ price: 2900, endsAt: T + DAY, discount: 1600 });
  });

  it("never charges more than the exact proportional price, and the parts add up (property, seeded)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 0, max: 1_000_000 }), (listPrice, tierBps, saleRaw, tokensOffered) => {
        const salePrice = saleRaw % listPrice; // below the list price
        const b = priceBreakdown({ listPrice, currency: "usd", tierBps, sale: { price: salePrice, endsAt: T }, tokensOffered });
        const exact = (b.afterTier * salePrice) / listPrice;
        expect(b.afterCoupon).toBeLessThanOrEqual(exact);
        expect(exact - b.afterCoupon).toBeLessThan(1);
        const sale = b.sale?.discount ?? 0; // no line when the sale takes nothing off (a price already 0)
        expect(b.tierDiscount + sale + b.tokens.discount + b.total).toBe(listPrice);
        for (const part of [b.tierDiscount, sale, b.tokens.discount, b.total]) expect(Number.isSafeInteger(part) && part >= 0).toBe(true);
      }),
      { seed: 20261207, numRuns: 2_000 },
    );
  });
});

describe("when a sale runs", () => {
  const sale = { price: 2900, startsAt: T + DAY, endsAt: T + 3 * DAY };
  it("runs from its start (inclusive) to its end (exclusive), only below the list price", () => {
    expect(activeSale(course(sale), T)).toBeNull();
    expect(activeSale(course(sale), sale.startsAt)).toEqual(sale);
    expect(activeSale(course(sale), sale.endsAt - 1)).toEqual(sale);
    expect(activeSale(course(sale), sale.endsAt)).toBeNull();
    expect(activeSale(course(sale, 2900), sale.startsAt)).toBeNull(); // list price lowered to the sale price
    expect(activeSale(course(null), T)).toBeNull();
  });

  it("names the next moment a page's prices change (the edge cache keeps it no longer)", () => {
    const other = { price: 1000, startsAt: T - DAY, endsAt: T + 2 * DAY };
    expect(nextPriceChange([course(sale), course(other), course(null)], T)).toBe(T + DAY);
    expect(nextPriceChange([course(sale)], T + 2 * DAY)).toBe(sale.endsAt);
    expect(nextPriceChange([course(sale)], sale.endsAt)).toBeNull();
    expect(nextPriceChange([], T)).toBeNull();
  });
});

describe("setting a sale: rules in words", () => {
  const ok = { listPrice: 4900, currency: "usd" as const, price: 2900, startsOn: "2026-12-07", endsOn: "2026-12-20" };
  it("a sale from today starts now and runs through its last day (UTC)", () => {
    expect(saleErrors(ok, T)).toEqual({ sale: { price: 2900, startsAt: T, endsAt: Date.parse("2026-12-21T00:00:00Z") }, errors: {} });
    expect(saleErrors({ ...ok, startsOn: "2026-12-10" }, T).sale!.startsAt).toBe(Date.parse("2026-12-10T00:00:00Z"));
  });
  it.each([
    [{ price: 4900 }, "salePrice", "The sale price must be below the course's price"],
    [{ price: 5900 }, "salePrice", "The sale price must be below the course's price"],
    [{ price: SALE_POLICY.priceFloor.usd - 1 }, "salePrice", "A sale keeps the course at $4.99 or more"],
    [{ price: null }, "salePrice", "Enter the sale price"],
    [{ listPrice: 0 }, "salePrice", "A free course cannot go on sale"],
    [{ startsOn: "2026-12-06" }, "saleStartsOn", "Choose today or a later day"],
    [{ startsOn: "2027-04-01" }, "saleStartsOn", `Start within ${SALE_POLICY.startsWithinDays} days`],
    [{ startsOn: "tomorrow" }, "saleStartsOn", "Enter the first day of the sale"],
    [{ endsOn: "2026-12-06" }, "saleEndsOn", "The last day comes on or after the first"],
    [{ endsOn: "2027-01-07" }, "saleEndsOn", `A sale runs at most ${SALE_POLICY.maxLengthDays} days`],
    [{ endsOn: "" }, "saleEndsOn", "Enter the last day of the sale"],
  ])("refuses %o: %s", (change, field, message) => {
    const { sale, errors } = saleErrors({ ...ok, ...change }, T);
    expect(sale).toBeNull();
    expect(errors[field]).toEqual([message]);
  });
  it("31 days is the longest sale", () => {
    expect(saleErrors({ ...ok, endsOn: "2027-01-06" }, T).sale).not.toBeNull();
  });
});

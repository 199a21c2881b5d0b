import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { addMoney, allocate, discountBps, formatMoney, money, parseAmount, parseMajorUnits, subtractMoney, toMajorUnits } from "~/utils/money";

describe("allocate", () => {
  it("splits 70/30 with parts that always sum to the whole", () => {
    for (let total = 0; total <= 5000; total++) {
      const [instructor, platform] = allocate(total, [70, 30]);
      expect(instructor! + platform!).toBe(total);
      expect(instructor).toBeGreaterThanOrEqual(Math.floor(total * 0.7));
    }
  });

  it("gives the remainder to the first parties", () => {
    expect(allocate(1, [70, 30])).toEqual([1, 0]);
    expect(allocate(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocate(999, [70, 30])).toEqual([700, 299]);
  });

  it("rejects floats, negatives and empty weights", () => {
    expect(() => allocate(10.5, [1])).toThrow(TypeError);
    expect(() => allocate(-1, [1])).toThrow(TypeError);
    expect(() => allocate(10, [])).toThrow(TypeError);
    expect(() => allocate(10, [0, 0])).toThrow(TypeError);
  });
});

describe("money", () => {
  it("only holds integer minor units", () => {
    expect(() => money(1.5, "usd")).toThrow(TypeError);
    expect(money(150, "usd")).toEqual({ amount: 150, currency: "usd" });
  });

  it("refuses to mix currencies", () => {
    expect(addMoney(money(1, "usd"), money(2, "usd")).amount).toBe(3);
    expect(subtractMoney(money(5, "eur"), money(2, "eur")).amount).toBe(3);
    expect(() => addMoney(money(1, "usd"), money(1, "eur"))).toThrow(/Currency mismatch/);
  });

  it("rounds discounts in the customer's favour: never more than the exact price, at most a cent less", () => {
    expect(discountBps(1999, 3000)).toBe(1399); // 30% off 19.99 = 13.993 → 13.99 (it charged 14.00)
    expect(discountBps(1999, 2000)).toBe(1599); // 20% off 19.99 = 15.992 → 15.99
    expect(discountBps(4999, 2000)).toBe(3999);
    expect(discountBps(1000, 2500)).toBe(750); // exact figures stay exact
    expect(discountBps(0, 2000)).toBe(0);
    expect(discountBps(1999, 0)).toBe(1999);
    expect(discountBps(1999, 10_000)).toBe(0);
  });

  it("discounts hold for every price and rate (property, seeded)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), (amount, bps, other) => {
        const paid = discountBps(amount, bps);
        const exactTimes10k = amount * (10_000 - bps); // the exact price, in 1/10,000 minor units
        expect(Number.isInteger(paid)).toBe(true);
        expect(paid * 10_000).toBeLessThanOrEqual(exactTimes10k); // never more than the exact figure
        expect((paid + 1) * 10_000).toBeGreaterThan(exactTimes10k); // less by under one minor unit
        expect(paid).toBeGreaterThanOrEqual(0);
        expect(paid).toBeLessThanOrEqual(amount);
        if (other >= bps) expect(discountBps(amount, other)).toBeLessThanOrEqual(paid); // a bigger discount never costs more
      }),
      { seed: 20261207, numRuns: 2_000 },
    );
  });

  it("formats by the currency's scale", () => {
    expect(formatMoney(1999, "usd")).toBe("$19.99");
    expect(formatMoney(500, "jpy")).toBe("¥500");
    expect(formatMoney(-250, "eur")).toBe("-€2.50");
  });
});

describe("parseAmount: the one typed-amount parser", () => {
  it.each([
    ["19.99", "usd", 1999],
    ["0.29", "usd", 29],
    ["1.1", "usd", 110],
    ["1,000.50", "usd", 100050],
    [" 12 ", "usd", 1200],
    ["12.", "usd", 1200],
    ["0", "usd", 0],
    ["500", "jpy", 500],
    ["1,500", "jpy", 1500],
    ["999999999.99", "usd", 99999999999],
  ] as const)("%j %s → %i minor units", (input, currency, amount) => {
    expect(parseAmount(input, currency)).toEqual({ ok: true, amount });
    expect(parseMajorUnits(input, currency)).toBe(amount);
  });

  it.each([
    ["", "usd", "Enter an amount"],
    ["12.505", "usd", "USD amounts have at most 2 decimal places"],
    ["12.5", "jpy", "JPY amounts have no decimal places"],
    ["-5", "usd", "Enter an amount of zero or more"],
    ["1e3", "usd", "Enter an amount like 12.50"],
    ["12,5", "usd", "Enter an amount like 12.50"],
    ["0x10", "usd", "Enter an amount like 12.50"],
    ["$12", "usd", "Enter an amount like 12.50"],
    ["Infinity", "usd", "Enter an amount like 12.50"],
    ["1234567890", "usd", "Enter an amount like 12.50"],
    ["abc", "jpy", "Enter a whole amount like 500"],
  ] as const)("%j %s is refused: %s", (input, currency, error) => {
    expect(parseAmount(input, currency)).toEqual({ ok: false, error });
    expect(parseMajorUnits(input, currency)).toBeNull();
  });

  it("round-trips with toMajorUnits for every amount in a range, no float drift", () => {
    for (let amount = 0; amount <= 20_000; amount += 7) {
      expect(parseAmount(toMajorUnits(amount, "usd"), "usd")).toEqual({ ok: true, amount });
      expect(parseAmount(toMajorUnits(amount, "jpy"), "jpy")).toEqual({ ok: true, amount });
    }
    expect(toMajorUnits(5, "usd")).toBe("0.05");
    expect(toMajorUnits(-150, "usd")).toBe("-1.50");
  });
});

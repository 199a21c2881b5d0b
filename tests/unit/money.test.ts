import { describe, expect, it } from "vitest";
import { addMoney, allocate, discountBps, formatMoney, money, subtractMoney } from "~/utils/money";

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

  it("rounds discounts in the customer's favour", () => {
    expect(discountBps(1999, 2000)).toBe(1600); // 20% of 19.99 = 3.998 → 3.99 off
    expect(discountBps(0, 2000)).toBe(0);
  });

  it("formats by the currency's scale", () => {
    expect(formatMoney(1999, "usd")).toBe("$19.99");
    expect(formatMoney(500, "jpy")).toBe("¥500");
    expect(formatMoney(-250, "eur")).toBe("-€2.50");
  });
});

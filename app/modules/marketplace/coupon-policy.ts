import type { Currency } from "~/utils/money";

/*
 * The coupon policy (docs/marketplace.md, "Coupons"; docs/decisions/012-price-breakdown-and-coupons.md).
 * Plain data, one place: the services enforce it and the pages print it.
 */
export const COUPON_POLICY = {
  /**
   * Who pays for a discount. One line: the instructor's 70 % is of what the learner paid after every
   * discount (tier, code, tokens), before tax. Codes are funded by both parties in the 70/30
   * proportion, whoever made them, so refunds and disputes keep the one split rule of the ledger.
   */
  funding: "shared_70_30_of_paid" as const,
  /** Codes: 3–32 letters, digits, `-` or `_`; compared upper-cased. */
  codePattern: /^[A-Z0-9][A-Z0-9_-]{2,31}$/,
  /** Instructors make codes for their own courses only, within these limits. */
  instructor: {
    /** Active (not deactivated, not expired) codes per course at once. */
    maxActiveCodesPerCourse: 3,
    /** A code never takes a course below this price (minor units of the course's currency). */
    priceFloor: { usd: 499, eur: 499, gbp: 399, aud: 799, cad: 699, jpy: 600 } satisfies Record<Currency, number>,
    /** Largest percentage an instructor's code takes off (basis points). */
    maxPercentBps: 9000,
  },
  /** Admins: any scope; at most this percentage (a code never makes a paid course free). */
  admin: { maxPercentBps: 9000 },
  /** Longest a code may run, from its creation. */
  maxLifetimeDays: 366,
} as const;

/** Words for a coupon's scope on pages (never the enum value). */
export const COUPON_SCOPE_LABELS = { course: "One course", instructor: "One instructor's courses", catalog: "Every course" } as const;

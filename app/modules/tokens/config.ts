import type { CourseLevel } from "~drizzle/schema/enums";

/*
 * The one source of truth for what learning earns and what tokens buy (docs/tokens.md). Plain data:
 * safe to import in browser code (the wallet page renders prices from it). Amounts are whole tokens.
 * The subscription tier's multiplier (TIERS[tier].limits.tokenMultiplierPct) applies to learning
 * awards (course, module); streak bonuses and admin awards are not multiplied.
 */
export const TOKEN_RULES = {
  /** Completing a whole course, by its level. */
  courseCompletion: { beginner: 100, intermediate: 150, advanced: 200 } satisfies Record<CourseLevel, number>,
  /** Completing one module (first time only). */
  moduleCompletion: 10,
  /** Bonus on the first activity of each day of a streak of n ≥ 2 days: perDay × (n − 1), capped. */
  streakBonus: { perDay: 5, cap: 50 },
  /** Streak freezes: each covers one missed day; at most `maxHeld` held at once. */
  streakFreeze: { price: 200, maxHeld: 2 },
  /** Discount on a course purchase: `tokensPerUnit` tokens = 1.00 of the currency, at most `maxShareBps` of the price. */
  courseDiscount: { tokensPerUnit: 100, maxShareBps: 5000 },
  /** Awards of at least this many tokens send the "tokens awarded" email (at most one a day). */
  notableAward: 100,
  /** Largest single admin award or adjustment. */
  maxAdminAmount: 1_000_000,
} as const;

/**
 * The reward policy (docs/tokens.md, "Rules that make farming pointless"): what a learning award
 * must pass before it is paid, the daily limits the learner's wallet enforces atomically, who may
 * award by hand, and how many learners one may follow. One place; the services and the wallet
 * read it from here.
 */
export const REWARD_POLICY = {
  /** Learning in a course you teach earns nothing (module, course or streak bonus). */
  ownCourses: "no_award",
  /**
   * Free courses earn only once they pass this bar: at least `minModules` modules, and either
   * `minOtherLearners` other learners enrolled or `minPublishedDays` days since publication.
   */
  freeCourseQualityBar: { minModules: 3, minOtherLearners: 5, minPublishedDays: 14 },
  /** At most this many tokens a UTC day from free courses (module and course awards together). */
  freeCourseDailyCap: 250,
  /** At most this many learning tokens a UTC day in all (awards and streak bonuses). */
  dailyEarningCap: 1_000,
  /** Admin awards above this many tokens wait for a second admin's approval. */
  adminApprovalAbove: 1_000,
  /** Learners one may follow. Enforced by the insert itself. */
  maxFollows: 200,
} as const;

/** The wallet's daily buckets (UTC day) that learning awards count against. */
export const EARNING_BUCKETS = { all: "learning", free: "free_courses" } as const;

/** Entry types that move leaderboard scores: learning awards (as paid, after the rules above) and streak bonuses, less clawbacks. Admin adjustments and spending never count. */
export const SCORING_ENTRY_TYPES = ["award", "streak_bonus", "clawback"] as const;

/** What `POST /api/tokens/redeem` accepts as `item`. */
export const REDEEM_ITEMS = {
  streak_freeze: { label: "Streak freeze", description: "Covers one missed day so your streak survives." },
  course_discount: { label: "Course discount", description: "Tokens off a course purchase (100 tokens = 1.00)." },
} as const;
export type RedeemItem = keyof typeof REDEEM_ITEMS;
export const REDEEM_ITEM_NAMES = Object.keys(REDEEM_ITEMS) as [RedeemItem, ...RedeemItem[]];

/** Words for entry types on pages (never the enum value). */
export const ENTRY_TYPE_LABELS = {
  award: "Earned",
  streak_bonus: "Streak bonus",
  redeem: "Spent",
  hold: "Held for a purchase",
  release: "Returned",
  clawback: "Taken back after a refund",
  admin_adjust: "Adjusted by an admin",
} as const;

/** Learning award, with the tier multiplier in hundredths (integer math, rounded down). */
export const withMultiplier = (tokens: number, multiplierPct: number) => Math.floor((tokens * multiplierPct) / 100);

export const streakBonusFor = (streakDays: number) =>
  streakDays < 2 ? 0 : Math.min(TOKEN_RULES.streakBonus.perDay * (streakDays - 1), TOKEN_RULES.streakBonus.cap);

/**
 * Largest discount, in minor units, that tokens may pay on a price: `maxShareBps` of it, and no
 * more than the tokens offered are worth. Returns the tokens that buy exactly that discount.
 */
export function discountFor(priceMinor: number, tokensOffered: number) {
  const { tokensPerUnit, maxShareBps } = TOKEN_RULES.courseDiscount;
  // 100 tokens = 100 minor units (1.00) for two-decimal currencies: 1 token = 1 minor unit per 100/tokensPerUnit.
  const cap = Math.floor((priceMinor * maxShareBps) / 10_000);
  const worth = Math.floor((tokensOffered * 100) / tokensPerUnit);
  const discount = Math.max(0, Math.min(cap, worth));
  const tokens = Math.ceil((discount * tokensPerUnit) / 100);
  return { discount, tokens };
}

import type { BillingInterval, PaidTier, SubscriptionTier } from "~drizzle/schema/enums";
import type { Currency } from "~/utils/money";

export { BILLING_INTERVALS, PAID_TIERS, SUBSCRIPTION_TIERS } from "~drizzle/schema/enums";
export type { BillingInterval, PaidTier, SubscriptionTier } from "~drizzle/schema/enums";

/*
 * The one source of truth for what each tier costs and grants. Plain data: safe to import in
 * browser code (the pricing page renders from it). Prices are integer minor units.
 */

/** Features a tier can unlock. Each is checked by `requireFeature` / `hasFeature`. */
export const FEATURES = {
  course_discount: { label: "Discount on every marketplace course", upgradeTo: "pro" },
  certificates: { label: "Certificates of completion", upgradeTo: "pro" },
  offline_downloads: { label: "Download course files for offline study", upgradeTo: "pro" },
  priority_support: { label: "Priority support", upgradeTo: "pro" },
  team_seats: { label: "Team seats with central billing", upgradeTo: "enterprise" },
  white_label: { label: "White-label portal (your logo and colours)", upgradeTo: "enterprise" },
} as const satisfies Record<string, { label: string; upgradeTo: PaidTier }>;
export type Feature = keyof typeof FEATURES;
export const FEATURE_NAMES = Object.keys(FEATURES) as [Feature, ...Feature[]];

export type TierLimits = {
  /** Discount on marketplace course prices, basis points (2000 = 20%). */
  courseDiscountBps: number;
  /** Reward-token multiplier, in hundredths (150 = 1.5×), so it stays an integer. */
  tokenMultiplierPct: number;
  /** People who can use the subscription (team seats). */
  seats: number;
  /** Course files that may be downloaded per month (0 = none). */
  monthlyDownloads: number;
};

export type TierPrice = { amount: number; lookupKey: string };

export type TierConfig = {
  name: string;
  /** Order of tiers: a higher rank is an upgrade. */
  rank: number;
  tagline: string;
  currency: Currency;
  prices: Record<BillingInterval, TierPrice> | null;
  features: readonly Feature[];
  limits: TierLimits;
  /** Days of free trial a new subscriber gets (null: the plan has no trial). Rules: trials.ts. */
  trialDays: number | null;
};

export const TIERS: Record<SubscriptionTier, TierConfig> = {
  free: {
    name: "Free",
    rank: 0,
    tagline: "Learn at your own pace.",
    currency: "usd",
    prices: null,
    features: [],
    limits: { courseDiscountBps: 0, tokenMultiplierPct: 100, seats: 1, monthlyDownloads: 0 },
    trialDays: null,
  },
  pro: {
    name: "Pro",
    rank: 1,
    tagline: "For committed learners.",
    currency: "usd",
    prices: {
      month: { amount: 1500, lookupKey: "coursemint_pro_month" },
      year: { amount: 15000, lookupKey: "coursemint_pro_year" },
    },
    features: ["course_discount", "certificates", "offline_downloads", "priority_support"],
    limits: { courseDiscountBps: 2000, tokenMultiplierPct: 150, seats: 1, monthlyDownloads: 50 },
    trialDays: 14,
  },
  enterprise: {
    name: "Enterprise",
    rank: 2,
    tagline: "For teams and organisations.",
    currency: "usd",
    prices: {
      month: { amount: 4900, lookupKey: "coursemint_enterprise_month" },
      year: { amount: 49000, lookupKey: "coursemint_enterprise_year" },
    },
    features: ["course_discount", "certificates", "offline_downloads", "priority_support", "team_seats", "white_label"],
    limits: { courseDiscountBps: 3000, tokenMultiplierPct: 200, seats: 25, monthlyDownloads: 1000 },
    // Team plans are sold with a conversation, not a trial.
    trialDays: null,
  },
};

/**
 * Stripe price ids per environment. Development and test run against the Stripe emulator, whose
 * ids are generated, so their prices are found (and created on first use) by lookup key. For
 * production, put the ids of the prices created in the Stripe dashboard here; a missing entry
 * falls back to the lookup key (never created automatically in production).
 */
export const STRIPE_PRICE_IDS: Record<"development" | "test" | "production", Partial<Record<string, string>>> = {
  development: {},
  test: {},
  production: {},
};

export function tierPrice(tier: PaidTier, interval: BillingInterval): TierPrice {
  return TIERS[tier].prices![interval];
}

export function tierHasFeature(tier: SubscriptionTier, feature: Feature): boolean {
  return TIERS[tier].features.includes(feature);
}

/** The cheapest tier that grants `feature`. */
export function upgradeTierFor(feature: Feature): PaidTier {
  return FEATURES[feature].upgradeTo;
}

/** Where a locked feature sends the user. */
export const upgradeUrl = (feature: Feature) => `/pricing?feature=${feature}`;

/** Finds the tier and interval a lookup key belongs to. */
export function planForLookupKey(lookupKey: string | null | undefined): { tier: PaidTier; interval: BillingInterval } | null {
  for (const tier of ["pro", "enterprise"] as const) {
    for (const interval of ["month", "year"] as const) {
      if (TIERS[tier].prices![interval].lookupKey === lookupKey) return { tier, interval };
    }
  }
  return null;
}

export const planLabel = (tier: SubscriptionTier, interval?: BillingInterval | null) =>
  tier === "free" ? "Free" : `${TIERS[tier].name} (${interval === "year" ? "yearly" : "monthly"})`;

import { TIERS, type PaidTier } from "./tiers";

/*
 * The free-trial policy: one place (docs/subscriptions.md, "Free trials"). Plain data, safe in
 * browser code (the pricing and billing pages word it). How long each plan's trial is lives with
 * the plan (`trialDays` in tiers.ts: 14 days on Pro, none on Enterprise).
 */
export const TRIAL_POLICY = {
  /**
   * What happens when a trial started without a card ends with still no card: "cancel" (the
   * subscription ends, the learner is back on Free) or "pause" (Stripe keeps it paused; choosing a
   * plan replaces it). Sent to Stripe as `trial_settings.end_behavior.missing_payment_method`.
   */
  missingPaymentMethod: "cancel" as "cancel" | "pause",
  /** Stripe sends `customer.subscription.trial_will_end` this many days before (fixed by Stripe). */
  reminderDaysBefore: 3,
  /** One trial per account, ever, and one per card (Stripe's card fingerprint), across accounts. */
  onePerAccount: true,
  onePerCard: true,
} as const;

export type TrialEndBehavior = "charge" | "cancel" | "pause";

export const trialDays = (tier: PaidTier) => TIERS[tier].trialDays;

/** What happens at the end of a trial, in words (billing page, reminder email). */
export function trialEndInWords(atEnd: TrialEndBehavior, plan: string, price: string): string {
  if (atEnd === "charge") return `Your card will be charged ${price} and ${plan} continues.`;
  if (atEnd === "pause") return `Nothing is charged: without a card your ${plan} subscription is paused and you move to Free until you choose a plan.`;
  return `Nothing is charged: without a card your ${plan} trial ends and you move to Free.`;
}

import { eq, or } from "drizzle-orm";
import type Stripe from "stripe";
import type { AppContext } from "~/context.server";
import { notifyUser } from "~/modules/email/email.server";
import { now } from "~/utils/clock";
import { AppError } from "~/utils/errors";
import { createId } from "~/utils/ids";
import type { Currency } from "~/utils/money";
import { trialClaims } from "~drizzle/schema";
import { billingUrl, findOpenSubscription, syncSubscription, type SubscriptionRow } from "./stripe-sync.server";
import { planLabel, TIERS, type PaidTier } from "./tiers";
import { TRIAL_POLICY, trialDays, type TrialEndBehavior } from "./trials";

/*
 * Free trials: who may start one (one per account, one per card), the claim that enforces it in
 * the database, and the reminder three days before the end. The policy is trials.ts.
 */

export type TrialEligibility =
  | { eligible: true; tier: PaidTier; days: number }
  | { eligible: false; tier: PaidTier; reason: "no_trial" | "already_used" | "has_plan"; message: string; usedAt?: number };

/** Whether `userId` may start `tier`'s free trial now, and in words why not. */
export async function trialEligibility(app: AppContext, userId: string, tier: PaidTier): Promise<TrialEligibility> {
  const days = trialDays(tier);
  if (!days) return { eligible: false, tier, reason: "no_trial", message: `${TIERS[tier].name} has no free trial.` };
  const [claim, open] = await Promise.all([
    app.db.select().from(trialClaims).where(eq(trialClaims.userId, userId)).get(),
    findOpenSubscription(app, userId),
  ]);
  if (claim) {
    return { eligible: false, tier, reason: "already_used", usedAt: claim.createdAt, message: "You have already had a free trial. Free trials are one per person." };
  }
  if (open && open.status !== "incomplete" && open.status !== "paused") {
    return { eligible: false, tier, reason: "has_plan", message: `You already have the ${planLabel(open.tier, open.interval)} plan.` };
  }
  return { eligible: true, tier, days };
}

export const trialUsedError = () => new AppError("conflict", "You have already had a free trial. Free trials are one per person; choose a plan to subscribe.");
const cardUsedError = () => new AppError("conflict", "This card has already been used for a free trial. Free trials are one per person; choose a plan to subscribe.");

/**
 * Claims the trial for a start, before its Stripe call. The insert is the check: the unique
 * indexes on the account and on the card fingerprint refuse a second trial however many starts run
 * at once. A retry of the same start finds its own claim and goes on.
 */
export async function claimTrial(app: AppContext, input: { userId: string; startId: string; tier: PaidTier; fingerprint: string | null }) {
  const days = trialDays(input.tier);
  if (!days) throw new AppError("bad_request", `${TIERS[input.tier].name} has no free trial.`);
  const inserted = await app.db
    .insert(trialClaims)
    .values({
      id: createId("trialClaim"),
      userId: input.userId,
      cardFingerprint: TRIAL_POLICY.onePerCard ? input.fingerprint : null,
      subscriptionStartId: input.startId,
      tier: input.tier,
      trialDays: days,
      createdAt: now(),
    })
    .onConflictDoNothing()
    .returning()
    .get();
  if (inserted) return inserted;
  const holders = await app.db
    .select()
    .from(trialClaims)
    .where(input.fingerprint ? or(eq(trialClaims.userId, input.userId), eq(trialClaims.cardFingerprint, input.fingerprint)) : eq(trialClaims.userId, input.userId))
    .all();
  const own = holders.find((c) => c.subscriptionStartId === input.startId);
  if (own) return own;
  app.logger.info("subscription.trial_refused", { userId: input.userId, tier: input.tier, byCard: holders.some((c) => c.userId !== input.userId) });
  throw holders.some((c) => c.userId === input.userId) ? trialUsedError() : cardUsedError();
}

/** Gives a claim back when Stripe refused its start outright (nothing was created there). */
export async function releaseTrialClaim(app: AppContext, startId: string) {
  await app.db.delete(trialClaims).where(eq(trialClaims.subscriptionStartId, startId)).run();
}

/** The card fingerprint of a payment method (Stripe's `card.fingerprint`), if it is a card. */
export function cardFingerprint(pm: Stripe.PaymentMethod): string | null {
  return pm.card?.fingerprint ?? null;
}

/** What happens when this trial ends, as Stripe will do it. */
export function trialAtEnd(row: Pick<SubscriptionRow, "hasPaymentMethod" | "trialEndBehavior">): TrialEndBehavior {
  if (row.hasPaymentMethod) return "charge";
  return row.trialEndBehavior === "pause" ? "pause" : row.trialEndBehavior === "create_invoice" ? "charge" : "cancel";
}

/**
 * `customer.subscription.trial_will_end` (three days before): re-read the subscription and, while
 * it is still trialing, email the reminder once per trial (the email's idempotency key is the
 * subscription and its trial end, so duplicated or replayed events send one).
 */
export async function remindTrialEnding(app: AppContext, stripeSubscriptionId: string) {
  const row = await syncSubscription(app, stripeSubscriptionId, { source: "webhook" });
  if (!row) return "ignored" as const;
  if (row.status !== "trialing" || !row.trialEnd || row.cancelAtPeriodEnd) return "processed" as const;
  const atEnd = trialAtEnd(row);
  await notifyUser(app, row.userId, {
    template: "trial-ending",
    idempotencyKey: `subscription-trial-ending/${row.stripeSubscriptionId}/${row.trialEnd}`,
    data: (user) => ({
      name: user.name,
      plan: `Coursemint ${planLabel(row.tier, row.interval)}`,
      trialEndsAt: row.trialEnd!,
      atEnd,
      amount: row.amount,
      currency: row.currency as Currency,
      manageUrl: billingUrl(app),
    }),
  });
  app.logger.info("subscription.trial_reminder_sent", { userId: row.userId, subscriptionId: row.id, trialEnd: row.trialEnd, atEnd });
  return "processed" as const;
}


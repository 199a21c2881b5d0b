import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { AppError } from "~/utils/errors";
import { subscriptions } from "~drizzle/schema";
import { ENTITLED_STATUSES, type SubscriptionRow } from "./stripe-sync.server";
import { FEATURES, TIERS, tierHasFeature, upgradeTierFor, upgradeUrl, type Feature, type SubscriptionTier } from "./tiers";

/*
 * What a user's tier entitles them to. Other capabilities read entitlements here (the marketplace
 * discount, the token multiplier, feature gates); this file imports nothing from payments.
 */


export type Entitlement = { tier: SubscriptionTier; subscription: SubscriptionRow | null };

/**
 * The tier a user is entitled to now: their newest active / trialing / past_due (grace)
 * subscription that no open or lost dispute suspends, else Free.
 */
export async function getEntitlement(app: AppContext, userId: string): Promise<Entitlement> {
  const row = await app.db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.userId, userId), inArray(subscriptions.status, [...ENTITLED_STATUSES]), isNull(subscriptions.disputeId)))
    .orderBy(desc(subscriptions.id))
    .get();
  return row ? { tier: row.tier, subscription: row } : { tier: "free", subscription: null };
}

export async function hasFeature(app: AppContext, userId: string, feature: Feature) {
  return tierHasFeature((await getEntitlement(app, userId)).tier, feature);
}

/**
 * Guard for routes and services: throws 403 `feature_locked` with an upgrade hint (the tier that
 * unlocks it and where to upgrade) when the user's tier does not include `feature`.
 */
export async function requireFeature(app: AppContext, user: Pick<SessionUser, "id">, feature: Feature): Promise<Entitlement> {
  const entitlement = await getEntitlement(app, user.id);
  if (tierHasFeature(entitlement.tier, feature)) return entitlement;
  const required = upgradeTierFor(feature);
  app.logger.info("subscription.feature_locked", { userId: user.id, feature, tier: entitlement.tier });
  throw new AppError("feature_locked", `${FEATURES[feature].label} is part of Coursemint ${TIERS[required].name}. Upgrade to unlock it.`, {
    details: { feature, currentTier: entitlement.tier, requiredTier: required, upgradeUrl: upgradeUrl(feature) },
  });
}

/** Marketplace discount for the user's tier, in basis points (Pro 20% = 2000). */
export async function tierDiscountBps(app: AppContext, userId: string): Promise<number> {
  return TIERS[(await getEntitlement(app, userId)).tier].limits.courseDiscountBps;
}

/** Reward-token multiplier for the user's tier, in hundredths (150 = 1.5×). */
export async function tierTokenMultiplierPct(app: AppContext, userId: string): Promise<number> {
  return TIERS[(await getEntitlement(app, userId)).tier].limits.tokenMultiplierPct;
}

import { and, desc, eq, gt, inArray, isNull, lte, sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { now } from "~/utils/clock";
import { aliased } from "~/utils/db.server";
import { AppError } from "~/utils/errors";
import { licenses, organizationMembers, organizations, subscriptions, users } from "~drizzle/schema";
import type { OrganizationRole, PaidTier } from "~drizzle/schema/enums";
import { ENTITLED_STATUSES, type SubscriptionRow } from "./stripe-sync.server";
import { FEATURES, TIERS, tierHasFeature, upgradeTierFor, upgradeUrl, type Feature, type SubscriptionTier } from "./tiers";

/*
 * What a user is entitled to now: the one answer every gate asks (prices and tier discounts,
 * certificates, downloads, the token multiplier, the billing page, the header). Two sources:
 *   - their own subscription (active / trialing / past_due in grace, not suspended by a dispute);
 *   - a seat: membership of an organization with an active licence (status active, started, not
 *     yet expired — checked here at read time, so a seat ends the moment the member leaves or is
 *     removed, or the licence is suspended, revoked or expires, without waiting for the cron).
 * The higher tier wins; on a tie the user's own subscription is the source. docs/subscriptions.md
 * "Entitlements". This file imports only the schema from licensing (licensing imports subscriptions).
 */

/** The organization seat a user's entitlement comes from. */
export type Seat = {
  organizationId: string;
  organizationName: string;
  role: OrganizationRole;
  licenseId: string;
  tier: PaidTier;
  licenseExpiresAt: number;
  /** Who manages the organization's plan (its owner), for "ask … to change it". */
  managedBy: { name: string; email: string };
};

export type Entitlement = {
  /** The tier in force: the higher of the own subscription's and the seat's. */
  tier: SubscriptionTier;
  /** Where `tier` comes from. */
  source: "subscription" | "seat" | "none";
  /** The user's own entitling subscription, if any (also when a higher seat is the source). */
  subscription: SubscriptionRow | null;
  /** The best seat the user holds, if any (also when their own subscription is the source). */
  seat: Seat | null;
};

const RANK: Record<SubscriptionTier, number> = { free: 0, pro: 1, enterprise: 2 };

/** The user's entitling subscription: newest active / trialing / past_due, not suspended by a dispute. */
function ownSubscriptionQuery(app: AppContext, userId: string) {
  return app.db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.userId, userId), inArray(subscriptions.status, [...ENTITLED_STATUSES]), isNull(subscriptions.disputeId)))
    .orderBy(desc(subscriptions.id))
    .limit(1);
}

/** The user's best seat: an active, started, unexpired licence of an organization they belong to; Enterprise first, then the longest-lasting. */
function seatQuery(app: AppContext, userId: string, t: number) {
  return app.db
    .select({
      organizationId: organizations.id,
      organizationName: organizations.name,
      role: organizationMembers.role,
      // Three tables share "id" and two share "name": aliased, or D1's batch rows shift every value after them.
      licenseId: aliased(licenses.id, "license_id"),
      tier: licenses.tier,
      licenseExpiresAt: licenses.expiresAt,
      ownerName: aliased(users.name, "owner_name"),
      ownerEmail: users.email,
    })
    .from(organizationMembers)
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .innerJoin(licenses, eq(licenses.organizationId, organizationMembers.organizationId))
    .innerJoin(users, eq(users.id, organizations.ownerId))
    .where(and(eq(organizationMembers.userId, userId), eq(licenses.status, "active"), lte(licenses.startsAt, t), gt(licenses.expiresAt, t)))
    .orderBy(sql`CASE ${licenses.tier} WHEN 'enterprise' THEN 0 ELSE 1 END`, desc(licenses.expiresAt))
    .limit(1);
}

/** Combines the two sources: the higher tier wins, the own subscription on a tie. */
export function resolveEntitlement(subscription: SubscriptionRow | null, seat: Seat | null): Entitlement {
  const own: SubscriptionTier = subscription?.tier ?? "free";
  if (seat && RANK[seat.tier] > RANK[own]) return { tier: seat.tier, source: "seat", subscription, seat };
  return { tier: own, source: subscription ? "subscription" : "none", subscription, seat };
}

/**
 * What the user is entitled to now. Both reads go in one D1 batch (one round trip). The stable
 * entry point for every capability (marketplace prices, coupons, certificates, downloads, tokens).
 */
export async function getEntitlement(app: AppContext, userId: string): Promise<Entitlement> {
  const [subscriptionRows, seatRows] = await app.db.batch([ownSubscriptionQuery(app, userId), seatQuery(app, userId, now())]);
  const s = seatRows[0];
  const seat: Seat | null = s
    ? {
        organizationId: s.organizationId,
        organizationName: s.organizationName,
        role: s.role,
        licenseId: s.licenseId,
        tier: s.tier,
        licenseExpiresAt: s.licenseExpiresAt,
        managedBy: { name: s.ownerName, email: s.ownerEmail },
      }
    : null;
  return resolveEntitlement(subscriptionRows[0] ?? null, seat);
}

export async function hasFeature(app: AppContext, userId: string, feature: Feature) {
  return tierHasFeature((await getEntitlement(app, userId)).tier, feature);
}

/**
 * Guard for routes and services: throws 403 `feature_locked` with an upgrade hint (the tier that
 * unlocks it and where to upgrade) when the user's tier does not include `feature`. A member whose
 * seat does not include it is told to ask the organization instead.
 */
export async function requireFeature(app: AppContext, user: Pick<SessionUser, "id">, feature: Feature): Promise<Entitlement> {
  const entitlement = await getEntitlement(app, user.id);
  if (tierHasFeature(entitlement.tier, feature)) return entitlement;
  const required = upgradeTierFor(feature);
  app.logger.info("subscription.feature_locked", { userId: user.id, feature, tier: entitlement.tier });
  const message = entitlement.seat
    ? `${FEATURES[feature].label} is part of Coursemint ${TIERS[required].name}. Your plan comes from ${entitlement.seat.organizationName}: ask ${entitlement.seat.managedBy.name} about it.`
    : `${FEATURES[feature].label} is part of Coursemint ${TIERS[required].name}. Upgrade to unlock it.`;
  throw new AppError("feature_locked", message, {
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

import { FEATURES, TIERS, type Feature } from "~/modules/subscriptions/tiers";
import type { PaidTier } from "~drizzle/schema/enums";

/*
 * License tiers are the subscription tiers (app/modules/subscriptions/tiers.ts): a license starts
 * with its tier's features and seats, plus the machine limit below; admins may override any of
 * them per license. Plain data, safe in browser code.
 */
export const LICENSE_TIERS = ["pro", "enterprise"] as const satisfies readonly PaidTier[];

export const LICENSE_MACHINE_LIMITS: Record<PaidTier, number> = { pro: 5, enterprise: 100 };

export function licenseDefaults(tier: PaidTier) {
  return {
    features: [...TIERS[tier].features] as Feature[],
    maxSeats: TIERS[tier].limits.seats,
    maxMachines: LICENSE_MACHINE_LIMITS[tier],
  };
}

export const STATUS_LABELS = { active: "Active", suspended: "Suspended", expired: "Expired", revoked: "Revoked" } as const;
export const featureLabel = (feature: string) => (feature in FEATURES ? FEATURES[feature as Feature].label : feature);

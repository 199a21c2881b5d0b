import type { MachineOverage } from "~drizzle/schema/enums";

const DAY_MS = 86_400_000;

/*
 * Licensing policy, in one place (docs/licensing.md#policies). Per-license options (heartbeats,
 * check-ins, overage) are columns of the license with these bounds and defaults; the rate limits
 * are Cloudflare Rate Limiting bindings whose numbers live in wrangler.toml `[[ratelimits]]`
 * (the one place they are set; this table names them and what they count).
 */

/** Heartbeat interval bounds (seconds) and the grace added before a silent machine is dead. */
export const HEARTBEAT_POLICY = {
  minIntervalSeconds: 60,
  maxIntervalSeconds: 7 * 24 * 3600,
  /** Grace when a license sets an interval without one: a tenth of the interval, at least a minute. */
  defaultGrace: (intervalSeconds: number) => Math.max(60, Math.round(intervalSeconds / 10)),
  maxGraceSeconds: 24 * 3600,
} as const;

/** Check-in interval bounds (days). */
export const CHECK_IN_POLICY = { minDays: 1, maxDays: 365 } as const;

/** Overage tolerance: how many machines a license may hold for each one it is sold (floor). */
export const OVERAGE_FACTORS: Record<MachineOverage, number> = { none: 1, "1.25x": 1.25, "1.5x": 1.5, "2x": 2 };

/** The number of active machines activation allows: maxMachines times the overage, rounded down. */
export const machineCeiling = (maxMachines: number, overage: MachineOverage) => Math.floor(maxMachines * OVERAGE_FACTORS[overage]);

/** When an active machine is dead: its last heartbeat (or activation) plus interval plus grace. */
export function heartbeatDeadline(lastHeartbeatAt: number, policy: { heartbeatIntervalSeconds: number | null; heartbeatGraceSeconds: number }): number | null {
  if (policy.heartbeatIntervalSeconds === null) return null;
  return lastHeartbeatAt + (policy.heartbeatIntervalSeconds + policy.heartbeatGraceSeconds) * 1000;
}

/**
 * The rate limits of the key-authenticated endpoints: Cloudflare Rate Limiting bindings (one
 * counter per key per Cloudflare location, shared by every isolate there; not per isolate).
 * The limit and period of each are in wrangler.toml; `periodSeconds` must match it (Retry-After).
 */
export const RATE_LIMITS = {
  validateClient: { binding: "LICENSE_LIMIT_VALIDATE_CLIENT", counts: "validations per client address", periodSeconds: 60 },
  validateLicense: { binding: "LICENSE_LIMIT_VALIDATE_LICENSE", counts: "validations per license", periodSeconds: 60 },
  validateMachine: { binding: "LICENSE_LIMIT_VALIDATE_MACHINE", counts: "validations per machine (license and fingerprint)", periodSeconds: 60 },
  changeLicense: { binding: "LICENSE_LIMIT_CHANGE_LICENSE", counts: "activations, deactivations and check-ins per license", periodSeconds: 60 },
  changeClient: { binding: "LICENSE_LIMIT_CHANGE_CLIENT", counts: "activations, deactivations and check-ins per client address", periodSeconds: 60 },
  heartbeatMachine: { binding: "LICENSE_LIMIT_HEARTBEAT_MACHINE", counts: "heartbeats per machine", periodSeconds: 60 },
} as const;
export type RateLimitName = keyof typeof RATE_LIMITS;

/** When a license must have checked in by: its last check-in (or creation) plus the interval; null without a check-in policy. */
export const checkInDueAt = (l: { checkInIntervalDays: number | null; lastCheckInAt: number | null; createdAt: number }) =>
  l.checkInIntervalDays === null ? null : (l.lastCheckInAt ?? l.createdAt) + l.checkInIntervalDays * 86_400_000;

/** The `keyId` the original key (signed before per-key management, no key id) is known by. */
export const ORIGINAL_KEY_ID = "original";

/** Machine tokens: `cmm_` + 32 random bytes (base64url); only their SHA-256 is stored. */
export const MACHINE_TOKEN_PREFIX = "cmm_";

/**
 * A chargeback of an Enterprise subscription invoice (docs/decisions/011-disputes.md, "Licensing"):
 * the organization's subscription license follows the dispute as the subscription's tier does.
 * While the bank decides it is suspended (`openReason`); won, it is active again as far as the
 * subscription still pays for it; lost, it ends: suspended (`lostReason`), no longer renewing, its
 * expiry brought forward to the loss (subscriptions cancels the subscription). Only a license that
 * is active (or suspended by the dispute itself) is touched: admin suspensions and revocations stay.
 * A later Enterprise subscription reinstates it, as after any ended subscription.
 */
export const LICENSE_DISPUTE_POLICY = {
  suspendWhileOpen: true,
  openReason: "payment_disputed",
  lostReason: "dispute_lost",
} as const;

/** Invitations to an organization (invitations.server.ts): how long a link works after it was (re)sent, and how often it may be resent. */
export const INVITATION_POLICY = { ttlMs: 7 * DAY_MS, maxSends: 5 } as const;

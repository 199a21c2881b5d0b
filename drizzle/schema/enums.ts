/** Enum values shared by columns, zod schemas and the UI. Plain constants: safe to import in browser code. */
export const ROLES = ["student", "instructor", "enterprise", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Payment lifecycle. Ranks only move forward (see app/modules/payments/status.ts). */
export const PAYMENT_STATUSES = ["requires_action", "processing", "canceled", "failed", "succeeded", "partially_refunded", "refunded"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const REFUND_STATUSES = ["pending", "succeeded", "failed"] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** Stripe's dispute statuses, as Stripe names them (warning_* are inquiries, no money moved yet). */
export const DISPUTE_STATUSES = [
  "warning_needs_response",
  "warning_under_review",
  "warning_closed",
  "needs_response",
  "under_review",
  "won",
  "lost",
  "prevented",
  "appeal_needs_response",
  "appeal_under_review",
] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];
/** Which dispute effects have run for a dispute: none yet, the opened ones, or the final ones. */
export const DISPUTE_EFFECT_STAGES = ["none", "opened", "won", "lost"] as const;
export type DisputeEffectStage = (typeof DISPUTE_EFFECT_STAGES)[number];

/** received → processed | ignored; failed (will retry) → dead (after the last attempt). */
export const STRIPE_EVENT_STATUSES = ["received", "processed", "ignored", "failed", "dead"] as const;
export type StripeEventStatus = (typeof STRIPE_EVENT_STATUSES)[number];

/** Marketplace (drizzle/schema/marketplace.ts, docs/marketplace.md). */
export const COURSE_STATUSES = ["draft", "published", "unlisted", "archived"] as const;
export type CourseStatus = (typeof COURSE_STATUSES)[number];

export const COURSE_LEVELS = ["beginner", "intermediate", "advanced"] as const;
export type CourseLevel = (typeof COURSE_LEVELS)[number];

export const COURSE_CATEGORIES = [
  "development",
  "data",
  "design",
  "business",
  "marketing",
  "music",
  "photography",
  "language",
  "health",
  "personal",
] as const;
export type CourseCategory = (typeof COURSE_CATEGORIES)[number];

/** ISO 639-1 codes of the languages courses are taught in. */
export const COURSE_LANGUAGES = ["en", "es", "fr", "de", "pt", "it", "ja", "zh", "hi", "ar"] as const;
export type CourseLanguage = (typeof COURSE_LANGUAGES)[number];

/** `suspended`: access paused while a dispute (chargeback) of the payment that granted it is open. */
export const ENROLLMENT_STATUSES = ["active", "suspended", "revoked"] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

export const ENROLLMENT_SOURCES = ["free", "purchase"] as const;
export type EnrollmentSource = (typeof ENROLLMENT_SOURCES)[number];

/**
 * Earning ledger entries: a sale; a reversal (negative, a refund) pointing at the sale it reverses;
 * a dispute (negative: the sale's remaining net frozen or recovered while a chargeback is open, kept
 * when it is lost), its reinstatement when the dispute is won, and a dispute fee when the policy
 * makes the instructor bear it (app/modules/payments/disputes-policy.ts).
 */
export const EARNING_KINDS = ["sale", "reversal", "dispute", "dispute_reinstated", "dispute_fee"] as const;
export type EarningKind = (typeof EARNING_KINDS)[number];

/**
 * Self-service refund requests (app/modules/marketplace/refund-policy.ts): granted at once, or
 * refused by a rule (then the learner may send it to review: in_review → approved | declined);
 * failed when Stripe refused the granted refund (the learner may ask again).
 */
export const REFUND_REQUEST_STATUSES = ["granted", "refused", "in_review", "approved", "declined", "failed"] as const;
export type RefundRequestStatus = (typeof REFUND_REQUEST_STATUSES)[number];
/** Why the policy refused a request (one per rule, checked in this order). */
export const REFUND_REFUSALS = ["window", "certificate", "progress", "refund_limit"] as const;
export type RefundRefusal = (typeof REFUND_REFUSALS)[number];

/** pending (claimed earnings, transfer not confirmed) → paid | failed (retried next run). */
export const PAYOUT_STATUSES = ["pending", "paid", "failed"] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** Subscriptions (drizzle/schema/subscriptions.ts, docs/subscriptions.md). Everyone without a paid subscription is on free. */
export const SUBSCRIPTION_TIERS = ["free", "pro", "enterprise"] as const;
export type SubscriptionTier = (typeof SUBSCRIPTION_TIERS)[number];
export const PAID_TIERS = ["pro", "enterprise"] as const;
export type PaidTier = (typeof PAID_TIERS)[number];
export const BILLING_INTERVALS = ["month", "year"] as const;
export type BillingInterval = (typeof BILLING_INTERVALS)[number];
/** Stripe's subscription statuses, as Stripe names them. */
export const SUBSCRIPTION_STATUSES = ["incomplete", "incomplete_expired", "trialing", "active", "past_due", "unpaid", "paused", "canceled"] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];
/** Rows in subscription_changes (the history of a subscription). */
export const SUBSCRIPTION_CHANGE_KINDS = [
  "created",
  "upgraded",
  "downgrade_scheduled",
  "downgraded",
  "interval_changed",
  "cancel_scheduled",
  "resumed",
  "canceled",
  "renewed",
  "payment_failed",
  "payment_recovered",
  "status_changed",
  "trial_converted",
  "paused",
] as const;
export type SubscriptionChangeKind = (typeof SUBSCRIPTION_CHANGE_KINDS)[number];

/** Licensing (drizzle/schema/licensing.ts, docs/licensing.md). */
export const LICENSE_STATUSES = ["active", "suspended", "expired", "revoked"] as const;
export type LicenseStatus = (typeof LICENSE_STATUSES)[number];
/** Where a license came from: an Enterprise subscription, or created by a platform admin (sales-led). */
export const LICENSE_SOURCES = ["subscription", "manual"] as const;
export type LicenseSource = (typeof LICENSE_SOURCES)[number];
/** Machine-count tolerance per license: activations may go this far past maxMachines (docs/licensing.md#policies). */
export const MACHINE_OVERAGES = ["none", "1.25x", "1.5x", "2x"] as const;
export type MachineOverage = (typeof MACHINE_OVERAGES)[number];
/** Why a machine stopped being active: its key holder, an organization or platform admin, or missed heartbeats. */
export const MACHINE_DEACTIVATION_REASONS = ["key_holder", "admin", "heartbeat_dead"] as const;
export type MachineDeactivationReason = (typeof MACHINE_DEACTIVATION_REASONS)[number];
export const ORGANIZATION_ROLES = ["owner", "admin", "member"] as const;
export type OrganizationRole = (typeof ORGANIZATION_ROLES)[number];

/** A coupon takes a percentage or an amount (in one currency) off (app/modules/marketplace/coupons.server.ts). */
export const COUPON_KINDS = ["percent", "amount"] as const;
export type CouponKind = (typeof COUPON_KINDS)[number];
/** What a coupon applies to: one course, every course of one instructor, or the whole catalog. */
export const COUPON_SCOPES = ["course", "instructor", "catalog"] as const;
export type CouponScope = (typeof COUPON_SCOPES)[number];
/** A redemption is reserved with its payment, redeemed when it is paid, released when it is not. */
export const COUPON_REDEMPTION_STATUSES = ["reserved", "redeemed", "released"] as const;
export type CouponRedemptionStatus = (typeof COUPON_REDEMPTION_STATUSES)[number];

/** A bundle is a draft (only its owner and admins see it) or published (listed and buyable). */
export const BUNDLE_STATUSES = ["draft", "published"] as const;
export type BundleStatus = (typeof BUNDLE_STATUSES)[number];
/** What a bundle payment did for one course: granted the enrollment, or found it granted by another payment (refunded). */
export const BUNDLE_ITEM_OUTCOMES = ["granted", "overlap"] as const;
export type BundleItemOutcome = (typeof BUNDLE_ITEM_OUTCOMES)[number];
/** A refund's share for one course of a bundle payment: an ordinary refund spread over the courses, or the automatic refund of an overlap. */
export const BUNDLE_REFUND_PART_KINDS = ["refund", "overlap"] as const;
export type BundleRefundPartKind = (typeof BUNDLE_REFUND_PART_KINDS)[number];

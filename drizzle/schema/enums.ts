/** Enum values shared by columns, zod schemas and the UI. Plain constants: safe to import in browser code. */
export const ROLES = ["student", "instructor", "enterprise", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Payment lifecycle. Ranks only move forward (see app/modules/payments/status.ts). */
export const PAYMENT_STATUSES = ["requires_action", "processing", "canceled", "failed", "succeeded", "partially_refunded", "refunded"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const REFUND_STATUSES = ["pending", "succeeded", "failed"] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** received → processed | ignored; failed (will retry) → dead (after the last attempt). */
export const STRIPE_EVENT_STATUSES = ["received", "processed", "ignored", "failed", "dead"] as const;
export type StripeEventStatus = (typeof STRIPE_EVENT_STATUSES)[number];

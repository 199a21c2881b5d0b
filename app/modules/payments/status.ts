import type { PaymentStatus } from "~drizzle/schema/enums";

/**
 * Which current statuses a payment may move to `next` from. States only move forward, so a
 * duplicate or late event can never regress a payment: failed ↔ processing stay open because a
 * payer may retry with another card, and success is final (refunds only add to it).
 */
export const ALLOWED_FROM: Record<PaymentStatus, readonly PaymentStatus[]> = {
  requires_action: [],
  processing: ["requires_action", "failed"],
  failed: ["requires_action", "processing"],
  canceled: ["requires_action", "processing", "failed"],
  succeeded: ["requires_action", "processing", "failed", "canceled"],
  partially_refunded: ["succeeded"],
  refunded: ["succeeded", "partially_refunded"],
};

/** A payment still in flight; at most one per buyer, purpose and reference (payments_open_unique). */
export const OPEN_STATUSES = ["requires_action", "processing"] as const satisfies readonly PaymentStatus[];

export const PAID_STATUSES: readonly PaymentStatus[] = ["succeeded", "partially_refunded", "refunded"];

/** Money that went through (a receipt exists); failed, canceled and open payments have none. */
export const isPaidStatus = (status: string) => (PAID_STATUSES as readonly string[]).includes(status);

/** Our status for a Stripe PaymentIntent status (refund states are derived from refunds). */
export function statusFromIntent(status: string, hasError: boolean): PaymentStatus {
  switch (status) {
    case "succeeded":
      return "succeeded";
    case "processing":
      return "processing";
    case "canceled":
      return "canceled";
    case "requires_payment_method":
      return hasError ? "failed" : "requires_action";
    default:
      return "requires_action";
  }
}

import type { DisputeEffectStage, DisputeStatus } from "~drizzle/schema/enums";

/**
 * What happens when a learner disputes a payment with their bank (a chargeback): the one typed
 * policy, read by payments (app/modules/payments/disputes.server.ts) and handed to each capability
 * with the dispute (PaymentPurpose.dispute, PaymentHooks.disputed). docs/decisions/011-disputes.md
 * explains each line.
 */
export const DISPUTE_POLICY = {
  /** Opened: pause access to what the payment bought (a course; a subscription's paid tier). */
  suspendAccessWhileOpen: true,
  /**
   * Opened: the instructor's earning of the sale is frozen if it is still held (or available but
   * not yet paid out), or recovered from future earnings if it was already paid out (a negative
   * entry carried forward until later sales cover it).
   */
  freezeOrRecoverEarning: true,
  /** Opened: the tokens the purchase earned are frozen (held) until the dispute closes. */
  freezeEarnedTokens: true,
  /** Lost: like a full refund: access ended, earning reversed, tokens earned clawed back … */
  lostIsFullRefund: true,
  /** … and the tokens that paid part of the price returned to the learner, as a refund returns them. */
  returnDiscountTokensOnLoss: true,
  /** Lost: a disputed subscription is canceled at once (no further renewals of a charged-back card). */
  cancelSubscriptionOnLoss: true,
  /**
   * Who bears Stripe's dispute fee ($15 in the US, not returned when won): booked as a platform
   * cost by default; "instructor" books it on the instructor's earnings when the dispute is lost.
   */
  feeBearer: "platform" as "platform" | "instructor",
  /** The refund policy the evidence states for purposes without their own (courses state refund-policy.ts's words). */
  refundPolicyText:
    "Coursemint's refund policy: a course can be refunded in full within 30 days of purchase on request from the receipt page or by replying to the receipt email; subscriptions can be canceled at any time from the billing page and keep access until the end of the paid period. The customer did not ask for a refund before disputing the charge with their bank.",
  /** Admins are reminded of the evidence deadline again this long before it. */
  evidenceReminderDays: 3,
  /** The dispute rate on the admin dashboard: disputes ÷ succeeded charges over this window … */
  rateWindowDays: 30,
  /** … with a warning from this rate (card networks start monitoring merchants near 0.9 %), in basis points. */
  rateWarningBps: 75,
  rateMonitoringBps: 90,
} as const;

export type DisputePolicy = typeof DISPUTE_POLICY;

/** Inquiries (Stripe's warning_* statuses): shown, never acted on; no money has moved. */
export const INQUIRY_STATUSES = ["warning_needs_response", "warning_under_review", "warning_closed"] as const satisfies readonly DisputeStatus[];
/** Statuses Stripe still waits for, or decides, on. */
export const OPEN_DISPUTE_STATUSES = ["needs_response", "under_review", "appeal_needs_response", "appeal_under_review"] as const satisfies readonly DisputeStatus[];
/** Statuses in which Stripe expects evidence from us (the deadline counts down). */
export const RESPONSE_NEEDED_STATUSES = ["needs_response", "warning_needs_response", "appeal_needs_response"] as const satisfies readonly DisputeStatus[];
export const CLOSED_DISPUTE_STATUSES = ["won", "lost", "prevented", "warning_closed"] as const satisfies readonly DisputeStatus[];

/**
 * The effects a Stripe status calls for: an open chargeback → opened; won (or prevented) → won;
 * lost → lost; an inquiry → none (shown only).
 */
export function targetStage(status: DisputeStatus): DisputeEffectStage {
  if ((OPEN_DISPUTE_STATUSES as readonly string[]).includes(status)) return "opened";
  if (status === "won" || status === "prevented") return "won";
  if (status === "lost") return "lost";
  return "none";
}

/**
 * Which stage of effects to run to go from what has run (`applied`) to what the status calls for
 * (`target`); null when nothing is to be done. Final stages (won, lost) never change; a dispute
 * won before its opening effects ran needs none (nothing was suspended).
 */
export function nextStage(applied: DisputeEffectStage, target: DisputeEffectStage): Exclude<DisputeEffectStage, "none"> | "close_quietly" | null {
  if (applied === "won" || applied === "lost" || applied === target) return null;
  if (target === "none") return null;
  if (target === "won" && applied === "none") return "close_quietly";
  return target;
}

/** Words for a dispute's status, for pages and emails. */
export const DISPUTE_STATUS_LABELS: Record<DisputeStatus, string> = {
  warning_needs_response: "Inquiry: response needed",
  warning_under_review: "Inquiry: under review",
  warning_closed: "Inquiry closed",
  needs_response: "Response needed",
  under_review: "Under review by the bank",
  won: "Won",
  lost: "Lost",
  prevented: "Prevented",
  appeal_needs_response: "Appeal: response needed",
  appeal_under_review: "Appeal: under review",
};

/** Words for Stripe's dispute reasons (anything else is shown with underscores as spaces). */
export const DISPUTE_REASON_LABELS: Record<string, string> = {
  fraudulent: "Fraudulent (the cardholder says they did not make it)",
  product_not_received: "Product not received",
  product_unacceptable: "Product unacceptable",
  duplicate: "Duplicate charge",
  subscription_canceled: "Subscription canceled",
  credit_not_processed: "Refund not processed",
  unrecognized: "Unrecognized charge",
  general: "General",
};
export const disputeReasonLabel = (reason: string) => DISPUTE_REASON_LABELS[reason] ?? reason.replace(/_/g, " ");

import type * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import type { Currency } from "~/utils/money";
import type { DisputePolicy } from "./disputes-policy";

/** What the platform sells. Each purpose registers how it is priced, fulfilled and reversed. */
export const PAYMENT_PURPOSES = ["course_purchase", "subscription", "bundle_purchase"] as const;
export type PaymentPurposeName = (typeof PAYMENT_PURPOSES)[number];

/** The payment as purposes see it (a subset of the payments row). */
export type PaymentForPurpose = {
  id: string;
  userId: string;
  purpose: PaymentPurposeName;
  /** The purpose's own reference, e.g. a course id. */
  purposeRef: string;
  amount: number;
  currency: Currency;
  amountRefunded: number;
  /** The tax inside `amount` (docs/tax.md): never the seller's revenue, never split or paid out. 0 when absent. */
  taxAmount?: number;
  metadata: Record<string, string>;
};

/**
 * A dispute stage as capabilities see it (app/modules/payments/disputes.server.ts). `stage` is what
 * to do now; `from` is what has run before (a dispute can be lost without ever having been seen
 * open, e.g. its `created` event arrived after `closed`). Each reaction must be idempotent per
 * dispute id and stage: a crash before payments records the stage runs it again.
 */
export type DisputeEffect = {
  /** Our dispute id (dsp_…): the idempotency key of every effect. */
  id: string;
  stripeDisputeId: string;
  stage: "opened" | "won" | "lost";
  from: "none" | "opened";
  amount: number;
  currency: Currency;
  reason: string;
  /** Stripe's dispute fee for it (minor units). */
  fee: number;
  policy: DisputePolicy;
};

/** The text fields of Stripe's dispute evidence we fill (and admins edit) on /admin/disputes. */
export const EVIDENCE_FIELDS = [
  "customer_name",
  "customer_email_address",
  "product_description",
  "service_date",
  "access_activity_log",
  "refund_policy_disclosure",
  "cancellation_policy_disclosure",
  "uncategorized_text",
] as const;
export type EvidenceField = (typeof EVIDENCE_FIELDS)[number];
/** How the evidence form labels each field. */
export const EVIDENCE_LABELS: Record<EvidenceField, string> = {
  customer_name: "Customer name",
  customer_email_address: "Customer email address",
  product_description: "What was bought",
  service_date: "Service date",
  access_activity_log: "Use of the purchase (activity log)",
  refund_policy_disclosure: "Refund policy and how it was shown",
  cancellation_policy_disclosure: "Cancellation policy",
  uncategorized_text: "Receipt and other facts",
};

export type Quote = {
  amount: number;
  currency: Currency;
  /** Shown on Checkout, receipts and history, e.g. "Course: Intro to SQL". */
  description: string;
  purposeRef: string;
  metadata?: Record<string, string>;
};

export type PaymentPurpose = {
  /**
   * The purpose's own fields of `POST /api/payments/process` (e.g. `courseId`). The endpoint
   * accepts exactly the common fields, these, and the payment hooks' fields; anything else is a
   * 400 (payments/process.server.ts `processInputSchema`).
   */
  inputSchema: z.ZodObject;
  /**
   * Validates the purpose-specific input and prices it for this user (discounts applied).
   * Throws AppError for invalid input (400), missing objects (404) or conflicts (409, e.g.
   * already enrolled).
   */
  quote(app: AppContext, user: SessionUser, input: unknown): Promise<Quote>;
  /**
   * Runs once the payment succeeded. Must be idempotent: it can be called again on redelivery.
   * Returns "duplicate" when what was paid for is already granted by another payment (two tabs
   * both paid): payments then refunds this one in full instead of sending a receipt.
   */
  fulfil(app: AppContext, payment: PaymentForPurpose): Promise<void | "duplicate">;
  /**
   * Runs after a refund of `refundAmount` succeeded (`payment.amountRefunded` already includes
   * it). Must be idempotent per refund id.
   */
  reverse(app: AppContext, payment: PaymentForPurpose, refund: { id: string; amount: number; /** The tax inside the refund (0 when absent). */ taxAmount?: number }): Promise<void>;
  /**
   * The payment is disputed (a chargeback): opened → pause what it bought and freeze or recover the
   * money it paid out; won → restore it all; lost → end it as a full refund would. Optional: a purpose
   * without it is only shown on the disputes page.
   */
  dispute?(app: AppContext, payment: PaymentForPurpose, dispute: DisputeEffect): Promise<void>;
  /**
   * Facts for the bank from the purpose's own records (what was bought, when it was used), for the
   * evidence form of /admin/disputes.
   */
  disputeEvidence?(app: AppContext, payment: PaymentForPurpose): Promise<Partial<Record<EvidenceField, string>>>;
  /** True when the capability emails failed payments itself (e.g. subscription dunning). */
  ownsFailureNotice?: boolean;
  /** True when `fulfil` sends its own receipt (e.g. a bundle's, listing its courses), once per payment. */
  ownsReceipt?: boolean;
};

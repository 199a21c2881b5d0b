import type * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import type { Currency } from "~/utils/money";

/** What the platform sells. Each purpose registers how it is priced, fulfilled and reversed. */
export const PAYMENT_PURPOSES = ["course_purchase", "subscription"] as const;
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
  metadata: Record<string, string>;
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
  reverse(app: AppContext, payment: PaymentForPurpose, refund: { id: string; amount: number }): Promise<void>;
  /** True when the capability emails failed payments itself (e.g. subscription dunning). */
  ownsFailureNotice?: boolean;
};

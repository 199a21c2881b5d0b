import { eq } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import type { Currency } from "~/utils/money";
import { payments, refunds } from "~drizzle/schema";
import type { PaymentForPurpose, PaymentPurposeName } from "./purposes";
import { PAID_STATUSES } from "./status";
import type { PaymentTax } from "./tax";

export type Payment = typeof payments.$inferSelect;
export type Refund = typeof refunds.$inferSelect;

export const toPurposeView = (p: Payment): PaymentForPurpose => ({
  id: p.id,
  userId: p.userId,
  purpose: p.purpose as PaymentPurposeName,
  purposeRef: p.purposeRef,
  amount: p.amount,
  currency: p.currency as Currency,
  amountRefunded: p.amountRefunded,
  taxAmount: p.taxAmount,
  metadata: p.metadata,
});

export async function findPayment(app: AppContext, where: { id?: string; paymentIntentId?: string; checkoutSessionId?: string }) {
  const cond = where.id
    ? eq(payments.id, where.id)
    : where.paymentIntentId
      ? eq(payments.stripePaymentIntentId, where.paymentIntentId)
      : where.checkoutSessionId
        ? eq(payments.stripeCheckoutSessionId, where.checkoutSessionId)
        : undefined;
  if (!cond) return undefined;
  return app.db.select().from(payments).where(cond).get();
}

export function publicPayment(p: Payment) {
  return {
    id: p.id,
    userId: p.userId,
    purpose: p.purpose,
    purposeRef: p.purposeRef,
    description: p.description,
    amount: p.amount,
    currency: p.currency,
    status: p.status,
    amountRefunded: p.amountRefunded,
    amountRefundable: Math.max(0, PAID_STATUSES.includes(p.status) ? p.amount - p.amountRefunded - p.amountRefundPending : 0),
    taxAmount: p.taxAmount,
    tax: paymentTax(p),
    failure: p.failureCode ? { code: p.failureCode, message: p.failureMessage } : null,
    createdAt: p.createdAt,
    succeededAt: p.succeededAt,
  };
}

export function publicRefund(r: Refund) {
  return { id: r.id, paymentId: r.paymentId, amount: r.amount, currency: r.currency, reason: r.reason, status: r.status, taxAmount: r.taxAmount, createdAt: r.createdAt };
}

/** A payment's recorded tax for receipts and the API (null when none was calculated). */
export function paymentTax(p: Payment): PaymentTax | null {
  if (!p.taxRecordedAt || !p.taxReason) return null;
  return {
    amount: p.taxAmount,
    behavior: p.taxBehavior,
    rateMilli: p.taxRateMilli,
    country: p.taxCountry,
    state: p.taxState,
    jurisdiction: p.taxJurisdiction,
    type: p.taxType,
    reason: p.taxReason,
    reverseCharge: p.taxReverseCharge,
    buyerTaxId: p.buyerTaxId,
    buyerTaxIdType: p.buyerTaxIdType,
    buyerBusinessName: p.buyerBusinessName,
    buyerAddress: p.buyerAddress,
  };
}

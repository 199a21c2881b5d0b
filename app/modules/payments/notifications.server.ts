import type { AppContext } from "~/context.server";
import { notifyUser } from "~/modules/email/email.server";
import { now } from "~/utils/clock";
import type { Currency } from "~/utils/money";
import type { Payment, Refund } from "./records.server";

const receiptUrl = (app: AppContext, payment: Payment) => `${app.config.APP_URL}/account/payments/${payment.id}`;

/** The receipt for a fulfilled payment (once per payment). */
export async function sendReceipt(app: AppContext, payment: Payment) {
  await notifyUser(app, payment.userId, {
    template: "payment-receipt",
    idempotencyKey: `payment-receipt/${payment.id}`,
    data: (user) => ({
      name: user.name,
      item: payment.description,
      amount: payment.amount,
      currency: payment.currency as Currency,
      paidAt: payment.succeededAt ?? now(),
      paymentId: payment.id,
      receiptUrl: receiptUrl(app, payment),
    }),
  });
}

/** A declined payment (once per payment and failure code). */
export async function sendFailureNotice(app: AppContext, payment: Payment) {
  await notifyUser(app, payment.userId, {
    template: "payment-failed",
    idempotencyKey: `payment-failed/${payment.id}/${payment.failureCode ?? "declined"}`,
    data: (user) => ({
      name: user.name,
      item: payment.description,
      amount: payment.amount,
      currency: payment.currency as Currency,
      failedAt: payment.updatedAt,
      failureReason: payment.failureMessage ?? undefined,
      updatePaymentUrl: receiptUrl(app, payment),
    }),
  });
}

/** A refund that went through (once per refund). */
export async function sendRefundIssued(app: AppContext, payment: Payment, refund: Refund) {
  await notifyUser(app, payment.userId, {
    template: "refund-issued",
    idempotencyKey: `refund-issued/${refund.id}`,
    data: (user) => ({
      name: user.name,
      item: payment.description,
      amount: refund.amount,
      currency: payment.currency as Currency,
      refundedAt: refund.updatedAt,
      paymentId: payment.id,
      refundId: refund.id,
      reason: refund.reason,
      receiptUrl: receiptUrl(app, payment),
    }),
  });
}

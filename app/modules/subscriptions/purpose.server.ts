import type { PaymentPurpose } from "~/modules/payments/purposes";
import { AppError } from "~/utils/errors";

/**
 * The `subscription` payment purpose. Subscription money moves through Stripe subscriptions and
 * invoices (see subscriptions.server.ts); each paid invoice is recorded as an already-fulfilled
 * payments row with this purpose so it appears in payment history. Nothing is sold through
 * POST /api/payments/process for it, and a refund of an invoice changes no entitlement (cancel
 * the subscription for that).
 */
export const subscriptionPurpose: PaymentPurpose = {
  async quote() {
    throw new AppError("bad_request", "Subscriptions are started with POST /api/subscriptions/create.");
  },
  async fulfil() {
    // Recorded fulfilled when the invoice is paid: the subscription itself is the fulfilment.
  },
  async reverse() {
    // Refunds of subscription invoices do not change the tier.
  },
};

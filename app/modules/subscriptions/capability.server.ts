import * as z from "zod";
import type { PaymentCapability } from "~/modules/payments/registry";
import { AppError } from "~/utils/errors";
import { disputeSubscription } from "./disputes.server";
import { SUBSCRIPTION_EVENT_HANDLERS } from "./events.server";

/**
 * What subscriptions plug into payments (assembled in app/capabilities.server.ts).
 *
 * The `subscription` purpose: subscription money moves through Stripe subscriptions and invoices;
 * each paid invoice is recorded as an already-fulfilled payments row with this purpose so it
 * appears in payment history. Nothing is sold through POST /api/payments/process for it, a refund
 * of an invoice changes no entitlement (cancel the subscription for that), and failed renewals are
 * emailed by dunning (stripe-sync.server.ts), not by payments.
 */
export const subscriptionsCapability: PaymentCapability = {
  name: "subscriptions",
  purposes: {
    subscription: {
      inputSchema: z.object({}),
      async quote() {
        throw new AppError("bad_request", "Subscriptions are started with POST /api/subscriptions/create.");
      },
      async fulfil() {
        // Recorded fulfilled when the invoice is paid: the subscription itself is the fulfilment.
      },
      async reverse() {
        // Refunds of subscription invoices do not change the tier.
      },
      // A disputed invoice drops the paid tier at once (restored if won; canceled if lost).
      dispute: disputeSubscription,
      ownsFailureNotice: true,
    },
  },
  stripeEventHandlers: SUBSCRIPTION_EVENT_HANDLERS,
};

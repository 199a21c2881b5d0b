import type { PaymentCapability } from "~/modules/payments/registry";
import { LICENSING_EVENT_HANDLERS, onPaymentDisputed } from "./subscription-sync.server";

/**
 * What licensing plugs into payments (assembled in app/capabilities.server.ts, after subscriptions so
 * its handlers see the subscription row already updated): the Stripe events that create, extend
 * and suspend Enterprise subscription licenses, and the dispute hook that suspends the license
 * while an Enterprise invoice is charged back (restored when won, ended when lost; decision 011).
 * Licensing sells nothing itself.
 */
export const licensingCapability: PaymentCapability = {
  name: "licensing",
  stripeEventHandlers: LICENSING_EVENT_HANDLERS,
  paymentHooks: {
    disputed: (app, payment) => onPaymentDisputed(app, payment),
  },
};

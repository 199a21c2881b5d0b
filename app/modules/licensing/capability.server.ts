import type { PaymentCapability } from "~/modules/payments/registry";
import { LICENSING_EVENT_HANDLERS } from "./subscription-sync.server";

/**
 * What licensing plugs into payments (assembled in app/capabilities.server.ts, after subscriptions so
 * its handlers see the subscription row already updated): the Stripe events that create, extend
 * and suspend Enterprise subscription licenses. Licensing sells nothing itself.
 */
export const licensingCapability: PaymentCapability = {
  name: "licensing",
  stripeEventHandlers: LICENSING_EVENT_HANDLERS,
};

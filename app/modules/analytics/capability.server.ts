import type { AppContext } from "~/context.server";
import type { PaymentCapability } from "~/modules/payments/registry";
import { refreshRevenueForPayments } from "./rollups.server";

/**
 * Analytics plugs into payments like any capability (app/capabilities.server.ts), through the
 * payment hooks only: the one place where money events update the revenue rollups. A payment
 * fulfilled (after its earnings are written), a refund that succeeded, a dispute stage reached:
 * each recomputes the days of that payment (idempotent, rollups.server.ts). A failure here never
 * fails the payment: it is logged and the cron's repair (workers/cron/analytics.ts) catches up.
 */
async function refresh(app: AppContext, paymentId: string) {
  try {
    await refreshRevenueForPayments(app, [paymentId]);
  } catch (error) {
    app.logger.error("analytics.revenue_refresh_failed", { error, paymentId });
  }
}

export const analyticsCapability: PaymentCapability = {
  name: "analytics",
  paymentHooks: {
    fulfilled: (app, payment) => refresh(app, payment.id),
    refunded: (app, payment) => refresh(app, payment.id),
    disputed: (app, payment) => refresh(app, payment.id),
  },
};

import { settleStalePayments } from "~/modules/payments/reconcile.server";
import { settlePendingRefunds } from "~/modules/payments/refunds.server";
import type { CronJob } from "./job";

/** Settles payments whose Stripe call had an unknown outcome (app/modules/payments/reconcile.server.ts). */
export const stalePaymentsJob: CronJob = {
  name: "payments.settle-stale",
  run: async (app) => {
    await settleStalePayments(app);
  },
};

/** Settles refunds Stripe has not answered for: found at Stripe, sent again, or given up (refunds.server.ts). */
export const pendingRefundsJob: CronJob = {
  name: "payments.settle-refunds",
  run: async (app) => {
    await settlePendingRefunds(app);
  },
};

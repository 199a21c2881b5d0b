import { remindDisputeDeadlines } from "~/modules/payments/disputes.server";
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

/** Reminds admins of disputes whose evidence is due within the policy's days, once each (app/modules/payments/disputes.server.ts). */
export const disputeDeadlinesJob: CronJob = {
  name: "payments.dispute-deadlines",
  run: async (app) => {
    await remindDisputeDeadlines(app);
  },
};

/** Settles refunds Stripe has not answered for: found at Stripe, sent again, or given up (refunds.server.ts). */
export const pendingRefundsJob: CronJob = {
  name: "payments.settle-refunds",
  run: async (app) => {
    await settlePendingRefunds(app);
  },
};

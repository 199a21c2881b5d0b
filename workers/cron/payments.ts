import { settleStalePayments } from "~/modules/payments/reconcile.server";
import type { CronJob } from "./job";

/** Settles payments whose Stripe call had an unknown outcome (app/modules/payments/reconcile.server.ts). */
export const stalePaymentsJob: CronJob = {
  name: "payments.settle-stale",
  run: async (app) => {
    await settleStalePayments(app);
  },
};

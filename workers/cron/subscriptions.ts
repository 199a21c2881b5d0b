import { runSubscriptionRenewals } from "~/modules/subscriptions/renewals.server";
import type { CronJob } from "./job";

/** Renewals, dunning retries and reconciliation with Stripe (app/modules/subscriptions/renewals.server.ts). */
export const subscriptionRenewalsJob: CronJob = {
  name: "subscriptions.renewals",
  run: async (app) => {
    await runSubscriptionRenewals(app);
  },
};

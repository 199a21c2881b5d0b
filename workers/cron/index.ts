import type { AppContext } from "~/context.server";
import { licenseRenewalsJob } from "./licenses";
import { instructorPayoutsJob } from "./payouts";
import { subscriptionRenewalsJob } from "./subscriptions";

/**
 * Cron jobs, keyed by the cron expression declared in wrangler.toml `[triggers]`. Every job must
 * be safe to run twice and safe to run late.
 */
export type CronJob = { name: string; run: (app: AppContext, controller: ScheduledController) => Promise<void> };

export const cronJobs: Record<string, CronJob[]> = {
  "*/15 * * * *": [subscriptionRenewalsJob, instructorPayoutsJob, licenseRenewalsJob],
};

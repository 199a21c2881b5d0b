import type { CronJob } from "./job";
import { licenseRenewalsJob } from "./licenses";
import { instructorPayoutsJob } from "./payouts";
import { subscriptionRenewalsJob } from "./subscriptions";

/** Cron jobs, keyed by the cron expression declared in wrangler.toml `[triggers]`. */
export const cronJobs: Record<string, CronJob[]> = {
  "*/15 * * * *": [subscriptionRenewalsJob, instructorPayoutsJob, licenseRenewalsJob],
};

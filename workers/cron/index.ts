import type { CronJob } from "./job";
import { revenueRollupsJob } from "./analytics";
import { disputeDeadlinesJob, pendingRefundsJob, stalePaymentsJob } from "./payments";
import { licenseRenewalsJob } from "./licenses";
import { passwordResetsJob } from "./password-resets";
import { retentionJob } from "./retention";
import { instructorPayoutsJob } from "./payouts";
import { unconfirmedSignupsJob } from "./signups";
import { subscriptionRenewalsJob } from "./subscriptions";
import { tokenCompletionsJob } from "./tokens";

/** Cron jobs, keyed by the cron expression declared in wrangler.toml `[triggers]`. */
export const cronJobs: Record<string, CronJob[]> = {
  "*/15 * * * *": [subscriptionRenewalsJob, instructorPayoutsJob, stalePaymentsJob, pendingRefundsJob, disputeDeadlinesJob, tokenCompletionsJob, licenseRenewalsJob, unconfirmedSignupsJob, passwordResetsJob, retentionJob, revenueRollupsJob],
};

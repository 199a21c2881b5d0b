import type { AppContext } from "~/context.server";

/** A cron job. Every job must be safe to run twice and safe to run late. */
export type CronJob = { name: string; run: (app: AppContext, controller: ScheduledController) => Promise<void> };

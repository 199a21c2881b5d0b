import { repairRevenueRollups } from "~/modules/analytics/rollups.server";
import type { CronJob } from "./job";

/** Recomputes the recent days of the revenue rollups; a wider window nightly (app/modules/analytics/rollups.server.ts). */
export const revenueRollupsJob: CronJob = {
  name: "analytics.repair-rollups",
  run: async (app, controller) => {
    await repairRevenueRollups(app, controller.scheduledTime);
  },
};

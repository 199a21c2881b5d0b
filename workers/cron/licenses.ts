import { runLicenseRenewals } from "~/modules/licensing/renewals.server";
import type { CronJob } from "./job";

/** License expiry, dead-machine culling (missed heartbeats) and renewal notices 30/7/1 days ahead (app/modules/licensing/renewals.server.ts). */
export const licenseRenewalsJob: CronJob = {
  name: "licenses.renewals",
  run: async (app) => {
    const result = await runLicenseRenewals(app);
    app.logger.info("licenses.renewals_done", result);
  },
};

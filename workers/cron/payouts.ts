import { runPayouts } from "~/modules/marketplace/payouts.server";
import type { CronJob } from "./job";

/** Pays instructors their earnings that left the 30-day hold (Stripe Connect transfers, audited). */
export const instructorPayoutsJob: CronJob = {
  name: "instructor-payouts",
  run: async (app) => {
    await runPayouts(app);
  },
};

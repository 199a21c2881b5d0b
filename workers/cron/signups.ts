import { purgeUnconfirmedSignups } from "~/modules/auth/signup.server";
import type { CronJob } from "./job";

/** Deletes sign-ups never confirmed, a week after their link expired (app/modules/auth/signup.server.ts). */
export const unconfirmedSignupsJob: CronJob = {
  name: "auth.purge-unconfirmed-signups",
  run: async (app) => {
    await purgeUnconfirmedSignups(app);
  },
};

import { purgePasswordResets } from "~/modules/auth/password-reset.server";
import type { CronJob } from "./job";

/** Deletes password reset links a day after they expired, used or not (app/modules/auth/password-reset.server.ts). */
export const passwordResetsJob: CronJob = {
  name: "auth.purge-password-resets",
  run: async (app) => {
    await purgePasswordResets(app);
  },
};

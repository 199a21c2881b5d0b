import { archiveExpired } from "~/modules/retention/retention.server";
import type { CronJob } from "./job";

/** Moves ended sessions and spent login throttles to R2 and deletes them from D1, in bounded batches (app/modules/retention/retention.server.ts). */
export const retentionJob: CronJob = {
  name: "retention.archive-expired",
  run: async (app) => {
    await archiveExpired(app);
  },
};

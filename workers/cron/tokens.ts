import { sweepCourseCompletions } from "~/modules/tokens/activity.server";
import type { CronJob } from "./job";

/** Awards `course_completed` learning events whose award was missed (idempotent; cursor in D1). */
export const tokenCompletionsJob: CronJob = {
  name: "token-completions",
  run: async (app) => {
    await sweepCourseCompletions(app);
  },
};

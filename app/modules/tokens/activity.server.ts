import { and, asc, eq, gt } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { tierTokenMultiplierPct } from "~/modules/subscriptions/entitlements.server";
import { now } from "~/utils/clock";
import { courses, learningEvents, tokenCursors } from "~drizzle/schema";
import { TOKEN_RULES, withMultiplier } from "./config";
import { awardTokens, unwrap, walletFor } from "./ledger.server";
import { ensureProfile } from "./profiles.server";

/*
 * Earning from learning (docs/tokens.md): a completed module earns a small award and counts as the
 * day's activity for the streak; a completed course earns the course award. Every award has a
 * source key (`module:<id>`, `course_completed:<courseId>`), so a completion delivered twice awards
 * once. The `course_completed` learning events are also swept by the cron, so a completion whose
 * award was lost (crash, wallet unreachable) is awarded late rather than never.
 */

export type ModuleCompletion = { userId: string; courseId: string; moduleId: string; courseCompleted: boolean };

/** Called by the marketplace after a module is marked complete. Never throws: learning must not fail on tokens. */
export async function onModuleCompleted(app: AppContext, done: ModuleCompletion, request?: Request | null) {
  try {
    const [profile, multiplierPct] = await Promise.all([ensureProfile(app, done.userId, request), tierTokenMultiplierPct(app, done.userId)]);
    await awardTokens(app, {
      userId: done.userId,
      amount: withMultiplier(TOKEN_RULES.moduleCompletion, multiplierPct),
      reason: "Completed a module",
      sourceKey: `module:${done.moduleId}`,
      ref: `course:${done.courseId}`,
    });
    const activity = unwrap(await walletFor(app, done.userId).recordActivity({ userId: done.userId, at: now(), timeZone: profile.timeZone }));
    if (activity.bonus) app.logger.info("tokens.streak_bonus", { userId: done.userId, streak: activity.streak, amount: activity.bonus.amount });
    if (done.courseCompleted) await awardCourseCompletion(app, done.userId, done.courseId, multiplierPct);
  } catch (error) {
    app.logger.error("tokens.learning_award_failed", { userId: done.userId, courseId: done.courseId, moduleId: done.moduleId, error });
  }
}

/** The course award, by the course's level and the learner's tier multiplier. Idempotent per (learner, course). */
export async function awardCourseCompletion(app: AppContext, userId: string, courseId: string, multiplierPct?: number) {
  const course = await app.db.select({ title: courses.title, level: courses.level }).from(courses).where(eq(courses.id, courseId)).get();
  if (!course) return null;
  const pct = multiplierPct ?? (await tierTokenMultiplierPct(app, userId));
  return awardTokens(app, {
    userId,
    amount: withMultiplier(TOKEN_RULES.courseCompletion[course.level], pct),
    reason: `Completed "${course.title}"`.slice(0, 200),
    sourceKey: `course_completed:${courseId}`,
    ref: `course:${courseId}`,
  });
}

const SWEEP_CURSOR = "learning_events.course_completed";

/**
 * Cron: awards every `course_completed` event after the stored cursor (at most `limit` per run).
 * Safe to run twice: awards are idempotent, and the cursor only moves past awarded events.
 */
export async function sweepCourseCompletions(app: AppContext, limit = 200) {
  const cursor = await app.db.select().from(tokenCursors).where(eq(tokenCursors.name, SWEEP_CURSOR)).get();
  const events = await app.db
    .select()
    .from(learningEvents)
    .where(and(eq(learningEvents.type, "course_completed"), cursor ? gt(learningEvents.id, cursor.value) : undefined))
    .orderBy(asc(learningEvents.id))
    .limit(limit)
    .all();
  let awarded = 0;
  for (const event of events) {
    const result = await awardCourseCompletion(app, event.userId, event.courseId);
    if (result && !result.replayed) awarded++;
    await app.db
      .insert(tokenCursors)
      .values({ name: SWEEP_CURSOR, value: event.id, updatedAt: now() })
      .onConflictDoUpdate({ target: tokenCursors.name, set: { value: event.id, updatedAt: now() } })
      .run();
  }
  if (events.length) app.logger.info("tokens.completions_swept", { events: events.length, awarded });
  return { events: events.length, awarded };
}

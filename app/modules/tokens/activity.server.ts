import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { tierTokenMultiplierPct } from "~/modules/subscriptions/entitlements.server";
import { now } from "~/utils/clock";
import type { CourseLevel } from "~drizzle/schema/enums";
import { courses, learningEvents, tokenCursors } from "~drizzle/schema";
import { EARNING_BUCKETS, REWARD_POLICY, TOKEN_RULES, withMultiplier } from "./config";
import type { EarningCap } from "./contracts";
import { awardTokens, unwrap, walletFor } from "./ledger.server";
import { ensureProfile } from "./profiles.server";

/*
 * Earning from learning (docs/tokens.md): a completed module earns a small award and counts as the
 * day's activity for the streak; a completed course earns the course award. Every award has a
 * source key (`module:<id>`, `course_completed:<courseId>`), so a completion delivered twice awards
 * once. The `course_completed` learning events are also swept by the cron, so a completion whose
 * award was lost (crash, wallet unreachable) is awarded late rather than never.
 *
 * Before anything is paid, the award passes REWARD_POLICY (config.ts): nothing for a course you
 * teach, nothing from a free course below the quality bar, and the daily caps, which the wallet
 * enforces atomically (its `daily_earnings` counts), so parallel completions cannot pass them.
 */

export type ModuleCompletion = { userId: string; courseId: string; moduleId: string; courseCompleted: boolean };

/** What the award rules need to know about a course (one D1 query). */
export type CourseFacts = {
  id: string;
  title: string;
  level: CourseLevel;
  instructorId: string;
  priceAmount: number;
  publishedAt: number | null;
  modules: number;
  /** Active enrollments other than the learner's own. */
  otherLearners: number;
};

export type AwardDecision =
  | { pays: true; free: boolean; caps: EarningCap[] }
  | { pays: false; why: "own_course" | "below_quality_bar"; message: string };

const DAY_MS = 86_400_000;

const dailyCap: EarningCap = { bucket: EARNING_BUCKETS.all, max: REWARD_POLICY.dailyEarningCap, label: `the daily limit of ${REWARD_POLICY.dailyEarningCap} tokens` };
const freeCap: EarningCap = { bucket: EARNING_BUCKETS.free, max: REWARD_POLICY.freeCourseDailyCap, label: `the daily limit of ${REWARD_POLICY.freeCourseDailyCap} tokens from free courses` };
/** Caps every learning award counts against; streak bonuses count against the daily one. */
export const LEARNING_CAPS: EarningCap[] = [dailyCap];

/** Does a free course pass the quality bar at `at`? */
export function passesQualityBar(course: Pick<CourseFacts, "modules" | "otherLearners" | "publishedAt">, at: number): boolean {
  const bar = REWARD_POLICY.freeCourseQualityBar;
  if (course.modules < bar.minModules) return false;
  const publishedLongEnough = course.publishedAt !== null && at - course.publishedAt >= bar.minPublishedDays * DAY_MS;
  return course.otherLearners >= bar.minOtherLearners || publishedLongEnough;
}

/** The award rules for one learner and one course (pure: REWARD_POLICY applied to the facts). */
export function decideAward(course: CourseFacts, userId: string, at: number): AwardDecision {
  if (course.instructorId === userId) return { pays: false, why: "own_course", message: "Learning in your own course earns no tokens." };
  if (course.priceAmount > 0) return { pays: true, free: false, caps: [dailyCap] };
  if (!passesQualityBar(course, at)) {
    const bar = REWARD_POLICY.freeCourseQualityBar;
    return {
      pays: false,
      why: "below_quality_bar",
      message: `Free courses earn tokens once they have ${bar.minModules} modules and ${bar.minOtherLearners} other learners, or have been published for ${bar.minPublishedDays} days.`,
    };
  }
  return { pays: true, free: true, caps: [dailyCap, freeCap] };
}

/** The facts `decideAward` needs, for `userId` learning in `courseId`. */
export async function courseFacts(app: Pick<AppContext, "db">, userId: string, courseId: string): Promise<CourseFacts | null> {
  const row = await app.db
    .select({
      id: courses.id,
      title: courses.title,
      level: courses.level,
      instructorId: courses.instructorId,
      priceAmount: courses.priceAmount,
      publishedAt: courses.publishedAt,
      // Correlated on the outer row by name: in a one-table select Drizzle writes columns unqualified.
      modules: sql<number>`(SELECT count(*) FROM course_modules m WHERE m.course_id = "courses"."id")`,
      otherLearners: sql<number>`(SELECT count(*) FROM enrollments e WHERE e.course_id = "courses"."id" AND e.status = 'active' AND e.user_id <> ${userId})`,
    })
    .from(courses)
    .where(eq(courses.id, courseId))
    .get();
  return row ?? null;
}

/** Called by the marketplace after a module is marked complete. Never throws: learning must not fail on tokens. */
export async function onModuleCompleted(app: AppContext, done: ModuleCompletion, request?: Request | null) {
  try {
    const [profile, multiplierPct, course] = await Promise.all([ensureProfile(app, done.userId, request), tierTokenMultiplierPct(app, done.userId), courseFacts(app, done.userId, done.courseId)]);
    if (!course) return;
    const decision = decideAward(course, done.userId, now());
    if (!decision.pays) {
      app.logger.info("tokens.award_skipped", { userId: done.userId, courseId: done.courseId, moduleId: done.moduleId, why: decision.why });
      // Your own course earns nothing at all, not even the streak; a course below the bar keeps the streak without a bonus.
      if (decision.why === "own_course") return;
    } else {
      await awardTokens(app, {
        userId: done.userId,
        amount: withMultiplier(TOKEN_RULES.moduleCompletion, multiplierPct),
        reason: "Completed a module",
        sourceKey: `module:${done.moduleId}`,
        ref: `course:${done.courseId}`,
        caps: decision.caps,
      });
    }
    const activity = unwrap(
      await walletFor(app, done.userId).recordActivity({ userId: done.userId, at: now(), timeZone: profile.timeZone, payBonus: decision.pays, caps: LEARNING_CAPS }),
    );
    if (activity.bonus && !activity.replayed) app.logger.info("tokens.streak_bonus", { userId: done.userId, streak: activity.streak, amount: activity.bonus.amount });
    if (done.courseCompleted && decision.pays) await awardCourseCompletion(app, done.userId, done.courseId, multiplierPct, course);
  } catch (error) {
    app.logger.error("tokens.learning_award_failed", { userId: done.userId, courseId: done.courseId, moduleId: done.moduleId, error });
  }
}

/**
 * The course award, by the course's level and the learner's tier multiplier, within the reward
 * policy (null when the policy pays nothing for this course). Idempotent per (learner, course).
 */
export async function awardCourseCompletion(app: AppContext, userId: string, courseId: string, multiplierPct?: number, facts?: CourseFacts) {
  const course = facts ?? (await courseFacts(app, userId, courseId));
  if (!course) return null;
  const decision = decideAward(course, userId, now());
  if (!decision.pays) {
    app.logger.info("tokens.award_skipped", { userId, courseId, why: decision.why });
    return null;
  }
  const pct = multiplierPct ?? (await tierTokenMultiplierPct(app, userId));
  return awardTokens(app, {
    userId,
    amount: withMultiplier(TOKEN_RULES.courseCompletion[course.level], pct),
    reason: `Completed "${course.title}"`.slice(0, 160),
    sourceKey: `course_completed:${courseId}`,
    ref: `course:${courseId}`,
    caps: decision.caps,
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

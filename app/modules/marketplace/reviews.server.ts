import { and, desc, eq, lt, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { courses, reviews, users } from "~drizzle/schema";
import { findEnrollment } from "./access.server";
import { canView, courseIdSchema, findCourse, type Course } from "./courses.server";
import { REVIEW_BODY_MAX } from "./rules";

export const reviewInputSchema = z
  .object({
    rating: z
      .number({ error: "Rating must be a whole number from 1 to 5" })
      .int("Rating must be a whole number from 1 to 5")
      .min(1, "Rating must be a whole number from 1 to 5")
      .max(5, "Rating must be a whole number from 1 to 5"),
    body: z.string().trim().max(REVIEW_BODY_MAX, `Review must be at most ${REVIEW_BODY_MAX} characters`).default(""),
  })
  .strict();

export const reviewListSchema = z
  .object({
    cursor: z.preprocess((v) => (v === "" ? undefined : v), z.string().regex(/^rev_[0-9a-z]{26}$/, "Invalid cursor").optional()),
    limit: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1).max(50).default(10)),
  })
  .strict();

/** Recomputes a course's rating aggregates from its reviews (idempotent; batched with the write). */
export const recomputeRating = (db: AppContext["db"], courseId: string) =>
  db
    .update(courses)
    .set({
      ratingCount: sql`(SELECT count(*) FROM reviews WHERE course_id = ${courseId})`,
      ratingSum: sql`(SELECT coalesce(sum(rating), 0) FROM reviews WHERE course_id = ${courseId})`,
      ratingAvg: sql`(SELECT coalesce((sum(rating) * 100 + count(*) / 2) / count(*), 0) FROM reviews WHERE course_id = ${courseId})`,
    })
    .where(eq(courses.id, courseId));

async function viewableCourse(app: AppContext, viewer: SessionUser | null, courseId: string) {
  const course = await findCourse(app, parseOrThrow(courseIdSchema, courseId));
  if (!course || !canView(viewer, course)) throw AppError.notFound("Course");
  return course;
}

/**
 * `POST /api/courses/:courseId/reviews`: an enrolled learner's one review of the course, created
 * or edited in place; the course's rating aggregates are recomputed in the same batch.
 */
export async function upsertReview(app: AppContext, user: SessionUser, courseId: string, input: unknown) {
  const course = await viewableCourse(app, user, courseId);
  const data = parseOrThrow(reviewInputSchema, input);
  const enrollment = await findEnrollment(app, course.id, user.id);
  if (enrollment?.status !== "active") throw AppError.forbidden("Only learners enrolled in this course can review it.");
  const t = now();
  const existing = await app.db.select({ id: reviews.id }).from(reviews).where(and(eq(reviews.courseId, course.id), eq(reviews.userId, user.id))).get();
  await app.db.batch([
    app.db
      .insert(reviews)
      .values({ id: createId("review"), courseId: course.id, userId: user.id, rating: data.rating, body: data.body, createdAt: t, updatedAt: t })
      .onConflictDoUpdate({ target: [reviews.courseId, reviews.userId], set: { rating: data.rating, body: data.body, updatedAt: t } }),
    recomputeRating(app.db, course.id),
  ]);
  const review = await app.db.select().from(reviews).where(and(eq(reviews.courseId, course.id), eq(reviews.userId, user.id))).get();
  app.logger.info("marketplace.review_saved", { courseId: course.id, userId: user.id, rating: data.rating, edited: !!existing });
  return { review: publicReview({ ...review!, authorName: user.name }), created: !existing };
}

function publicReview(r: typeof reviews.$inferSelect & { authorName: string | null }) {
  return { id: r.id, courseId: r.courseId, author: { id: r.userId, name: r.authorName ?? "" }, rating: r.rating, body: r.body, createdAt: r.createdAt, updatedAt: r.updatedAt };
}

/**
 * `GET /api/courses/:courseId/reviews`: newest first, cursor = last review id seen. The viewer may
 * be a pending lookup: it runs beside the course's (one sequential D1 round trip for both).
 */
export async function listReviews(app: AppContext, viewer: SessionUser | null | Promise<SessionUser | null>, courseId: string, input: unknown) {
  const id = parseOrThrow(courseIdSchema, courseId);
  const [who, course] = await Promise.all([viewer, findCourse(app, id)]);
  if (!course || !canView(who, course)) throw AppError.notFound("Course");
  return listReviewsOf(app, course, input);
}

/** A page of reviews of a course the caller has already checked the viewer may see. */
export async function listReviewsOf(app: AppContext, course: Pick<Course, "id" | "ratingAvg" | "ratingCount">, input: unknown) {
  const query = parseOrThrow(reviewListSchema, input);
  const rows = await app.db
    .select({ review: reviews, authorName: users.name })
    .from(reviews)
    .leftJoin(users, eq(users.id, reviews.userId))
    .where(and(eq(reviews.courseId, course.id), query.cursor ? lt(reviews.id, query.cursor) : undefined))
    .orderBy(desc(reviews.id))
    .limit(query.limit + 1)
    .all();
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((r) => publicReview({ ...r.review, authorName: r.authorName })),
    nextCursor: rows.length > query.limit ? page[page.length - 1]!.review.id : null,
    rating: { average: course.ratingAvg / 100, count: course.ratingCount },
  };
}

export async function findOwnReview(app: AppContext, userId: string, courseId: string) {
  return app.db.select().from(reviews).where(and(eq(reviews.courseId, courseId), eq(reviews.userId, userId))).get();
}

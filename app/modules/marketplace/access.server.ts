import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { hasPermission } from "~/modules/auth/permissions";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { courseModules, courses, enrollments, learningEvents, moduleProgress } from "~drizzle/schema";
import { canView, courseIdSchema, isOwner, moduleIdSchema, type Course } from "./courses.server";
import { serveObject } from "./files.server";
import { onModuleCompleted } from "~/modules/tokens/activity.server";
import { hasFeature, requireFeature } from "~/modules/subscriptions/entitlements.server";

type Db = AppContext["db"];

/** Recounts a course's active enrollments (idempotent; safe to batch with any enrollment change). */
export const recountEnrollments = (db: Db, courseId: string) =>
  db
    .update(courses)
    .set({ enrollmentCount: sql`(SELECT count(*) FROM enrollments WHERE course_id = ${courseId} AND status = 'active')` })
    .where(eq(courses.id, courseId));

/**
 * Moves the enrollments a payment granted in the given courses from one of `from` to `to` (a
 * dispute suspending, restoring or ending them) and recounts those courses, in one batch.
 */
export async function setPaymentEnrollments(db: Db, paymentId: string, courseIds: readonly string[], from: ("active" | "suspended")[], to: "active" | "suspended" | "revoked") {
  const t = now();
  await db.batch([
    db
      .update(enrollments)
      .set({ status: to, updatedAt: t, ...(to === "revoked" ? { revokedAt: t } : {}) })
      .where(and(eq(enrollments.paymentId, paymentId), inArray(enrollments.courseId, [...courseIds]), inArray(enrollments.status, from))),
    ...courseIds.map((id) => recountEnrollments(db, id)),
  ] as unknown as Parameters<Db["batch"]>[0]);
}

export async function findEnrollment(app: Pick<AppContext, "db">, courseId: string, userId: string) {
  return app.db.select().from(enrollments).where(and(eq(enrollments.courseId, courseId), eq(enrollments.userId, userId))).get();
}

export const isPurchasable = (c: Course) => c.status === "published" || c.status === "unlisted";

/**
 * Enrolls `user` in a free course at once. Enrolling again is a no-op that returns the existing
 * enrollment; a revoked enrollment is re-activated.
 */
export async function enrollFree(app: AppContext, user: SessionUser, course: Course) {
  if (!isPurchasable(course)) throw AppError.notFound("Course");
  if (course.priceAmount !== 0) throw new AppError("conflict", "This course is not free; buy it instead.");
  const existing = await findEnrollment(app, course.id, user.id);
  if (existing?.status === "active") return { enrollment: existing, created: false };
  const t = now();
  await app.db.batch([
    app.db
      .insert(enrollments)
      .values({ id: createId("enrollment"), courseId: course.id, userId: user.id, status: "active", source: "free", paymentId: null, amountPaid: 0, currency: course.currency, createdAt: t, updatedAt: t })
      .onConflictDoUpdate({
        target: [enrollments.courseId, enrollments.userId],
        set: { status: "active", source: "free", paymentId: null, amountPaid: 0, revokedAt: null, updatedAt: t },
        setWhere: sql`${enrollments.status} = 'revoked'`,
      }),
    recountEnrollments(app.db, course.id),
  ]);
  app.logger.info("marketplace.enrolled", { courseId: course.id, userId: user.id, source: "free" });
  return { enrollment: (await findEnrollment(app, course.id, user.id))!, created: true };
}

/** Course files and module pages: enrolled learners, the course's instructor, and admins. */
export async function canAccessContent(app: Pick<AppContext, "db">, user: SessionUser | null, course: Course) {
  if (!user) return false;
  if (isOwner(user, course) || hasPermission(user, "update:course:any")) return true;
  const enrollment = await findEnrollment(app, course.id, user.id);
  return enrollment?.status === "active";
}

/** Loads a module the user may open, or throws 404 (unknown/unviewable) / 403 (not enrolled). */
export async function loadAccessibleModule(app: AppContext, user: SessionUser, courseId: string, moduleId: string) {
  const id = parseOrThrow(courseIdSchema, courseId);
  // The course, the module and the learner's enrollment in one round trip (they were three in a row).
  const [courseRows, moduleRows, enrollmentRows] = await app.db.batch([
    app.db.select().from(courses).where(eq(courses.id, id)),
    app.db.select().from(courseModules).where(and(eq(courseModules.id, parseOrThrow(moduleIdSchema, moduleId)), eq(courseModules.courseId, id))),
    app.db.select({ status: enrollments.status }).from(enrollments).where(and(eq(enrollments.courseId, id), eq(enrollments.userId, user.id))),
  ]);
  const course = courseRows[0];
  if (!course || !canView(user, course)) throw AppError.notFound("Course");
  const module = moduleRows[0];
  if (!module) throw AppError.notFound("Module");
  const enrolled = enrollmentRows[0]?.status === "active";
  if (!(enrolled || isOwner(user, course) || hasPermission(user, "update:course:any"))) throw AppError.forbidden("Enroll in this course to open its modules.");
  return { course, module };
}

/**
 * Viewing or downloading? A download is an explicit `?download=1` (the module page's Download
 * links, served as an attachment) or a program calling with an API key (`Authorization: Bearer`),
 * which takes a copy. Everything else is a browser with the learner's session showing the file: the
 * module page's PDF frame (and the PDF viewer's range requests), video and audio players, images,
 * a tab. A file a browser shows can still be saved from the browser's own viewer: this is a product
 * gate, not DRM.
 */
export function fileUseOf(request: Request): "view" | "download" {
  const download = new URL(request.url).searchParams.get("download");
  if (download !== null && download !== "0") return "download";
  return /^Bearer\s/i.test(request.headers.get("Authorization") ?? "") ? "download" : "view";
}

/** Instructors of the course and admins download without the perk: it is their own material. */
export const downloadsFreely = (user: SessionUser, course: Course) => isOwner(user, course) || hasPermission(user, "update:course:any");

/**
 * `GET /api/courses/:courseId/modules/:moduleId/file`: streams the file from R2 to those allowed.
 * Viewing is for everyone with access; downloading needs the `offline_downloads` feature (Pro,
 * Enterprise), except for the course's instructor and admins: others get 403 `feature_locked`.
 */
export async function serveModuleFile(app: AppContext, user: SessionUser, request: Request, courseId: string, moduleId: string) {
  const { course, module } = await loadAccessibleModule(app, user, courseId, moduleId);
  if (!module.r2Key) throw AppError.notFound("File");
  const use = fileUseOf(request);
  if (use === "download" && !downloadsFreely(user, course)) await requireFeature(app, user, "offline_downloads");
  if (use === "download") app.logger.info("marketplace.file_downloaded", { userId: user.id, courseId: course.id, moduleId: module.id });
  return serveObject(app, request, { key: module.r2Key, fileName: module.fileName ?? "file", contentType: module.contentType ?? "application/octet-stream" }, use === "download" ? "attachment" : "inline");
}

/**
 * Marks a module complete for an enrolled learner (idempotent). When every module of the course is
 * complete, the enrollment's `completedAt` is set and one `course_completed` learning event is
 * written — in the same batch, conditionally, so concurrent completions record it exactly once.
 */
export async function completeModule(app: AppContext, user: SessionUser, courseId: string, moduleId: string) {
  const { course, module } = await loadAccessibleModule(app, user, courseId, moduleId);
  const enrollment = await findEnrollment(app, course.id, user.id);
  if (enrollment?.status !== "active") throw AppError.forbidden("Only enrolled learners record progress.");
  const t = now();
  const allDone = sql`(SELECT count(*) FROM course_modules WHERE course_id = ${course.id}) = (SELECT count(*) FROM module_progress WHERE user_id = ${user.id} AND course_id = ${course.id})`;
  await app.db.batch([
    app.db.insert(moduleProgress).values({ userId: user.id, moduleId: module.id, courseId: course.id, completedAt: t }).onConflictDoNothing(),
    app.db
      .update(enrollments)
      .set({ completedAt: t, updatedAt: t })
      .where(and(eq(enrollments.id, enrollment.id), sql`${enrollments.completedAt} IS NULL`, allDone)),
    app.db
      .insert(learningEvents)
      .select(sql`SELECT ${createId("learningEvent")}, ${user.id}, ${course.id}, 'course_completed', ${t} WHERE ${allDone}`)
      .onConflictDoNothing(),
  ]);
  const progress = await getProgress(app, user.id, course.id);
  if (progress.completed) app.logger.info("marketplace.course_completed", { courseId: course.id, userId: user.id });
  // Reward tokens and the streak (idempotent per module and course; never fails the completion).
  await onModuleCompleted(app, { userId: user.id, courseId: course.id, moduleId: module.id, courseCompleted: progress.completed });
  return progress;
}

export async function getProgress(app: Pick<AppContext, "db">, userId: string, courseId: string) {
  const [doneRead, eventRead] = progressReads(app.db, userId, courseId);
  const [modules, done, events] = await Promise.all([
    app.db.select({ id: courseModules.id }).from(courseModules).where(eq(courseModules.courseId, courseId)).orderBy(asc(courseModules.position)).all(),
    doneRead.all(),
    eventRead.all(),
  ]);
  return toProgress(modules.length, done, events);
}

/** The learner's completed modules and course completion, for `getProgress` or a batch (`courseId` may be a subquery). */
function progressReads(db: Db, userId: string, courseId: string | SQL) {
  return [
    db.select({ moduleId: moduleProgress.moduleId }).from(moduleProgress).where(and(eq(moduleProgress.userId, userId), eq(moduleProgress.courseId, courseId))),
    db
      .select({ createdAt: learningEvents.createdAt })
      .from(learningEvents)
      .where(and(eq(learningEvents.userId, userId), eq(learningEvents.courseId, courseId), eq(learningEvents.type, "course_completed")))
      .limit(1),
  ] as const;
}

function toProgress(totalModules: number, done: { moduleId: string }[], events: { createdAt: number }[]) {
  const event = events[0];
  return { totalModules, completedModuleIds: done.map((d) => d.moduleId), completed: !!event, completedAt: event?.createdAt ?? null };
}
export type Progress = ReturnType<typeof toProgress>;

/**
 * Everything a module page reads, in one round trip after the session (issue 29; it was seven in a
 * row): the course by its slug, the module, the course's modules, the learner's enrollment and
 * progress, all keyed by the slug in one batch, beside the entitlement (offline downloads) for
 * learners. The same rules as `loadAccessibleModule`: 404 for an unknown or unviewable course or
 * module, 403 when the learner may not open its content. `progress` is null unless enrolled.
 */
export async function loadModulePage(app: AppContext, user: SessionUser, slug: string, moduleId: string) {
  const id = parseOrThrow(moduleIdSchema, moduleId);
  const courseId = sql`(select ${courses.id} from ${courses} where ${courses.slug} = ${slug})`;
  const [[courseRows, moduleRows, modules, enrollmentRows, done, events], hasDownloads] = await Promise.all([
    app.db.batch([
      app.db.select().from(courses).where(eq(courses.slug, slug)),
      app.db.select().from(courseModules).where(and(eq(courseModules.id, id), eq(courseModules.courseId, courseId))),
      app.db.select().from(courseModules).where(eq(courseModules.courseId, courseId)).orderBy(asc(courseModules.position)),
      app.db.select().from(enrollments).where(and(eq(enrollments.courseId, courseId), eq(enrollments.userId, user.id))),
      ...progressReads(app.db, user.id, courseId),
    ]),
    // Instructors of the course and admins download freely; they need no entitlement read.
    hasPermission(user, "update:course:any") ? Promise.resolve(true) : hasFeature(app, user.id, "offline_downloads"),
  ]);
  const course = courseRows[0];
  if (!course || !canView(user, course)) throw AppError.notFound("Course");
  const module = moduleRows[0];
  if (!module) throw AppError.notFound("Module");
  const enrolled = enrollmentRows[0]?.status === "active";
  if (!(enrolled || isOwner(user, course) || hasPermission(user, "update:course:any"))) throw AppError.forbidden("Enroll in this course to open its modules.");
  return {
    course,
    module,
    modules,
    canDownload: downloadsFreely(user, course) || hasDownloads,
    progress: enrolled ? toProgress(modules.length, done, events) : null,
  };
}

/** The learner's courses (active enrollments), newest first. */
export async function listMyCourses(app: AppContext, userId: string) {
  return app.db
    .select({ course: courses, enrollment: enrollments })
    .from(enrollments)
    .innerJoin(courses, eq(courses.id, enrollments.courseId))
    .where(and(eq(enrollments.userId, userId), eq(enrollments.status, "active")))
    .orderBy(sql`${enrollments.createdAt} DESC`)
    .all();
}

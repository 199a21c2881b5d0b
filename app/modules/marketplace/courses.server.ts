import { and, asc, count, eq, max, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { hasPermission } from "~/modules/auth/permissions";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow, zodFieldErrors, type FieldErrors } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { integerFromString } from "~/utils/forms.server";
import { courseModules, courses, enrollments, instructorProfiles, users } from "~drizzle/schema";
import { coursesFts, nextSearchId } from "./search";
import { imageUrl } from "./images";
import { activeSale, saleOf } from "./sales";
import { formatMoney, type Currency } from "~/utils/money";
import { deleteObjects, parseUpload, type ParsedUpload } from "./files.server";
import {
  courseMetadataSchema,
  courseUpdateSchema,
  MAX_MODULES_PER_COURSE,
  moduleTitleSchema,
  type CourseMetadata,
} from "./rules";

export type Course = typeof courses.$inferSelect;
export type CourseModule = typeof courseModules.$inferSelect;
type Db = AppContext["db"];

export const courseIdSchema = z.string().regex(/^crs_[0-9a-z]{26}$/, "Not a course id");
export const moduleIdSchema = z.string().regex(/^mod_[0-9a-z]{26}$/, "Not a module id");

export function slugify(title: string): string {
  return (
    title
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60)
      .replace(/-+$/, "") || "course"
  );
}

/** Public fields of a course (what the catalog and the API show), its sale as of `t`. */
export function publicCourse(c: Course, instructor?: { id: string; name: string } | null, t = now()) {
  const sale = activeSale(c, t);
  return {
    id: c.id,
    slug: c.slug,
    title: c.title,
    description: c.description,
    category: c.category,
    level: c.level,
    language: c.language,
    price: { amount: c.priceAmount, currency: c.currency },
    sale: sale ? { amount: sale.price, endsAt: sale.endsAt } : null,
    isFree: c.priceAmount === 0,
    status: c.status,
    rating: { average: c.ratingAvg / 100, count: c.ratingCount },
    enrollmentCount: c.enrollmentCount,
    instructor: instructor ? { id: instructor.id, name: instructor.name } : { id: c.instructorId },
    coverUrl: imageUrl(c.coverKey),
    publishedAt: c.publishedAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

export function publicModule(m: CourseModule) {
  return {
    id: m.id,
    position: m.position,
    title: m.title,
    hasFile: !!m.r2Key,
    fileName: m.fileName,
    contentType: m.contentType,
    sizeBytes: m.sizeBytes,
  };
}

/** The course's search row, keyed by its search_id (the course row must be written first). */
const ftsInsert = (db: Db, c: { id: string; title: string; description: string }) =>
  db.insert(coursesFts).select(sql`SELECT search_id, id, ${c.title}, ${c.description} FROM courses WHERE id = ${c.id}`);
const ftsDelete = (db: Db, id: string) => db.delete(coursesFts).where(sql`rowid = (SELECT search_id FROM courses WHERE id = ${id})`);

export async function findCourse(app: Pick<AppContext, "db">, id: string) {
  return app.db.select().from(courses).where(eq(courses.id, id)).get();
}

export async function findCourseBySlug(app: Pick<AppContext, "db">, slug: string) {
  return app.db.select().from(courses).where(eq(courses.slug, slug)).get();
}

export async function listModules(app: Pick<AppContext, "db">, courseId: string) {
  return app.db.select().from(courseModules).where(eq(courseModules.courseId, courseId)).orderBy(asc(courseModules.position)).all();
}

export const isOwner = (user: SessionUser | null | undefined, course: Course) => !!user && user.id === course.instructorId;

/** May `user` edit this course? Owners with update:course:own; admins only moderate (status). */
export function assertCanEdit(user: SessionUser, course: Course) {
  if (isOwner(user, course) && hasPermission(user, "update:course:own")) return;
  // Not the owner: hide the existence of drafts; say forbidden for courses anyone can see.
  if (course.status === "draft" && !hasPermission(user, "update:course:any")) throw AppError.notFound("Course");
  throw AppError.forbidden("Only the course's instructor can edit it.");
}

/** A course the viewer may see: listed/unlisted for everyone; drafts/archived for the owner and admins. */
export function canView(user: SessionUser | null, course: Course) {
  if (course.status === "published" || course.status === "unlisted") return true;
  return isOwner(user, course) || hasPermission(user, "update:course:any");
}

/** Loads a course for editing by its owner, or throws 404/403. */
export async function loadOwnCourse(app: AppContext, user: SessionUser, courseId: string) {
  const course = await findCourse(app, parseOrThrow(courseIdSchema, courseId));
  if (!course) throw AppError.notFound("Course");
  assertCanEdit(user, course);
  return course;
}

function moduleRows(courseId: string, upload: ParsedUpload, firstPosition: number, t: number) {
  const titles: FieldErrors = {};
  const rows = upload.files.map((f, i) => {
    const typed = upload.moduleTitles[f.index]?.trim();
    const fallback = f.fileName.replace(/\.[^.]+$/, "").replace(/[-_]+/g, " ").trim().slice(0, 120) || `Module ${firstPosition + i}`;
    const parsed = moduleTitleSchema.safeParse(typed || fallback);
    if (!parsed.success) (titles[`moduleTitle.${f.index}`] ??= []).push(...parsed.error.issues.map((x) => x.message));
    return {
      id: f.moduleId,
      courseId,
      position: firstPosition + i,
      title: parsed.success ? parsed.data : fallback,
      r2Key: f.key,
      fileName: f.fileName,
      contentType: f.contentType,
      sizeBytes: f.size,
      createdAt: t,
    };
  });
  return { rows, errors: titles };
}

/**
 * `POST /api/courses/upload` and the upload form: a multipart body with the course metadata
 * (new course) or a `courseId` (existing own course; metadata fields then optional) and module
 * files (`files`, with optional `moduleTitle` fields in the same order). Files are streamed to
 * R2 first; if anything is invalid or the database write fails, the stored files are deleted,
 * so an upload either creates everything or leaves nothing.
 */
export async function uploadCourse(
  app: AppContext,
  user: SessionUser,
  request: Request,
  opts: { csrfToken?: string; transform?: (fields: Record<string, string>) => Record<string, string>; onFields?: (fields: Record<string, string>) => void } = {},
) {
  if (!hasPermission(user, "create:course:own")) throw AppError.forbidden("Only instructors can upload courses.");
  const upload = await parseUpload(app, request, { csrfToken: opts.csrfToken });
  const keys = upload.files.map((f) => f.key);
  try {
    opts.onFields?.(upload.fields);
    if (opts.csrfToken !== undefined && upload.fields.csrf !== opts.csrfToken) {
      throw new AppError("csrf_failed", "Your form expired. Reload the page and try again.");
    }
    const fields = opts.transform ? opts.transform({ ...upload.fields }) : { ...upload.fields };
    delete fields.csrf;
    delete fields.intent;
    const courseId = fields.courseId?.trim();
    delete fields.courseId;
    const errors: FieldErrors = { ...upload.errors };
    const t = now();
    if (courseId) {
      const course = await loadOwnCourse(app, user, courseId);
      const present = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ""));
      const parsed = courseUpdateSchema.safeParse(formCourseFields(present));
      if (!parsed.success) Object.assign(errors, zodFieldErrors(parsed.error));
      const existing = await app.db
        .select({ n: count(), last: max(courseModules.position) })
        .from(courseModules)
        .where(eq(courseModules.courseId, course.id))
        .get();
      if ((existing?.n ?? 0) + upload.files.length > MAX_MODULES_PER_COURSE) {
        (errors.files ??= []).push(`A course has at most ${MAX_MODULES_PER_COURSE} modules`);
      }
      const modules = moduleRows(course.id, upload, (existing?.last ?? 0) + 1, t);
      Object.assign(errors, modules.errors);
      if (Object.keys(errors).length) throw AppError.validation(errors);
      const changes = parsed.success ? parsed.data : {};
      const statements: BatchItem<"sqlite">[] = [];
      if (Object.keys(changes).length) statements.push(...updateStatements(app.db, course, changes, t));
      if (modules.rows.length) statements.push(app.db.insert(courseModules).values(modules.rows));
      if (modules.rows.length && !Object.keys(changes).length) {
        statements.push(app.db.update(courses).set({ updatedAt: t }).where(eq(courses.id, course.id)));
      }
      if (statements.length) await app.db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
      app.logger.info("marketplace.course_uploaded", { courseId: course.id, userId: user.id, modules: modules.rows.length });
      return { course: (await findCourse(app, course.id))!, created: false, modules: modules.rows.length };
    }
    const parsed = courseMetadataSchema.safeParse(formCourseFields(fields));
    if (!parsed.success) Object.assign(errors, zodFieldErrors(parsed.error));
    const id = createId("course");
    const modules = moduleRows(id, upload, 1, t);
    Object.assign(errors, modules.errors);
    if (Object.keys(errors).length || !parsed.success) throw AppError.validation(errors);
    const course = newCourseRow(id, user.id, parsed.data, t);
    await app.db.batch([
      app.db.insert(courses).values({ ...course, searchId: nextSearchId }),
      ftsInsert(app.db, course),
      ...(modules.rows.length ? [app.db.insert(courseModules).values(modules.rows)] : []),
    ]);
    app.logger.info("marketplace.course_created", { courseId: id, userId: user.id, modules: modules.rows.length });
    return { course, created: true, modules: modules.rows.length };
  } catch (error) {
    await deleteObjects(app, keys);
    throw error;
  }
}

/** Multipart fields are strings: the price in minor units becomes a number (only from a digit string). */
function formCourseFields(fields: Record<string, string>): Record<string, unknown> {
  return "priceAmount" in fields ? { ...fields, priceAmount: integerFromString(fields.priceAmount) } : fields;
}

function newCourseRow(id: string, instructorId: string, data: CourseMetadata, t: number): Course {
  return {
    id,
    slug: `${slugify(data.title)}-${id.slice(-6)}`,
    instructorId,
    title: data.title,
    description: data.description,
    category: data.category,
    level: data.level,
    language: data.language,
    priceAmount: data.priceAmount,
    currency: data.currency,
    status: "draft",
    ratingCount: 0,
    ratingSum: 0,
    ratingAvg: 0,
    enrollmentCount: 0,
    publishedAt: null,
    archivedBy: null,
    createdAt: t,
    updatedAt: t,
    searchId: null,
    coverKey: null,
    salePriceAmount: null,
    saleStartsAt: null,
    saleEndsAt: null,
  };
}

function updateStatements(db: Db, course: Course, changes: Partial<CourseMetadata>, t: number) {
  const statements: BatchItem<"sqlite">[] = [db.update(courses).set({ ...changes, updatedAt: t }).where(eq(courses.id, course.id))];
  if (changes.title !== undefined || changes.description !== undefined) {
    statements.push(ftsDelete(db, course.id), ftsInsert(db, { id: course.id, title: changes.title ?? course.title, description: changes.description ?? course.description }));
  }
  return statements;
}

/** Why a course cannot be published yet (empty when it can): the publish rules. */
export function publishProblems(course: Course, modules: CourseModule[]): FieldErrors {
  const errors: FieldErrors = {};
  const parsed = courseMetadataSchema.safeParse({
    title: course.title,
    description: course.description,
    category: course.category,
    level: course.level,
    language: course.language,
    priceAmount: course.priceAmount,
    currency: course.currency,
  });
  if (!parsed.success) Object.assign(errors, zodFieldErrors(parsed.error));
  if (!modules.some((m) => m.r2Key && (m.sizeBytes ?? 0) > 0)) {
    errors.modules = ["Add at least one module with a content file before publishing"];
  }
  return errors;
}

export const courseStatusChangeSchema = z.object({ status: z.enum(["draft", "published", "unlisted", "archived"]) });

/**
 * `PATCH /api/courses/:courseId`: owners update metadata and status (publishing runs the publish
 * rules); admins (update:course:any) may only take a course off the catalog (draft or archived).
 */
/**
 * PATCH /api/courses/:courseId: any subset of the metadata, and/or a status; `reason` is recorded
 * in the audit log when an admin archives, unarchives or unpublishes someone else's course.
 */
export const courseUpdateRequestSchema = courseUpdateSchema
  .extend({
    status: courseStatusChangeSchema.shape.status.optional(),
    reason: z.string({ error: "reason must be text" }).trim().min(1, "reason must not be empty").max(500, "reason is at most 500 characters").optional(),
  })
  .strict();

export async function updateCourse(app: AppContext, user: SessionUser, courseId: string, input: unknown) {
  const course = await findCourse(app, parseOrThrow(courseIdSchema, courseId));
  if (!course) throw AppError.notFound("Course");
  const data = parseOrThrow(courseUpdateRequestSchema, input);
  const { status, reason, ...changes } = data;
  const moderator = hasPermission(user, "update:course:any");
  let moderating = false;
  if (!isOwner(user, course)) {
    moderating = moderator && Object.keys(changes).length === 0 && (status === "draft" || status === "archived");
    if (!moderating) assertCanEdit(user, course);
  } else if (!hasPermission(user, "update:course:own")) {
    throw AppError.forbidden();
  }
  if (course.archivedBy && !moderator && status !== undefined && status !== course.status) {
    throw AppError.forbidden("An admin archived this course, so only an admin can bring it back. Contact support.");
  }
  const t = now();
  const sale = saleOf(course);
  if (changes.priceAmount !== undefined && sale && sale.endsAt > t && sale.price >= changes.priceAmount) {
    const why = `The course is on sale at ${formatMoney(sale.price, course.currency as Currency)}: end the sale first, or keep the price above it.`;
    throw AppError.validation({ priceAmount: [why] }, why);
  }
  const statements = Object.keys(changes).length ? updateStatements(app.db, course, changes, t) : [];
  if (status && status !== course.status) {
    if (status === "published" || status === "unlisted") {
      const next = { ...course, ...changes };
      const problems = publishProblems(next, await listModules(app, course.id));
      if (Object.keys(problems).length) throw AppError.validation(problems, "The course is not ready to publish.");
    }
    statements.push(
      app.db
        .update(courses)
        .set({
          status,
          updatedAt: t,
          ...(status === "published" && !course.publishedAt ? { publishedAt: t } : {}),
          // An admin's archive locks the status; an admin moving it anywhere else lifts the lock.
          ...(moderating && status === "archived" ? { archivedBy: user.id } : moderator ? { archivedBy: null } : {}),
        })
        .where(eq(courses.id, course.id)),
    );
    // Admins acting on someone else's course (or lifting an admin's archive) are audited.
    if (moderating || (moderator && course.archivedBy && !isOwner(user, course))) {
      const action = status === "archived" ? "course.archived" : course.status === "archived" ? "course.unarchived" : "course.unpublished";
      statements.push(
        auditInsert(app, {
          actorId: user.id,
          action,
          targetType: "course",
          targetId: course.id,
          metadata: { from: course.status, to: status, instructorId: course.instructorId, title: course.title, ...(reason ? { reason } : {}) },
        }),
      );
    }
  }
  if (statements.length) await app.db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  app.logger.info("marketplace.course_updated", { courseId: course.id, userId: user.id, fields: Object.keys(changes), from: course.status, to: status ?? course.status });
  return (await findCourse(app, course.id))!;
}

/** Deletes a module of an own course and its file. A published course keeps at least one file. */
export async function deleteModule(app: AppContext, user: SessionUser, courseId: string, moduleId: string) {
  const course = await loadOwnCourse(app, user, courseId);
  const modules = await listModules(app, course.id);
  const target = modules.find((m) => m.id === moduleId);
  if (!target) throw AppError.notFound("Module");
  if (course.status === "published" || course.status === "unlisted") {
    const rest = modules.filter((m) => m.id !== moduleId);
    if (Object.keys(publishProblems(course, rest)).length) {
      throw new AppError("conflict", "A published course needs at least one module with content; unpublish it first.");
    }
  }
  const done = await app.db.delete(courseModules).where(and(eq(courseModules.id, moduleId), eq(courseModules.courseId, course.id))).run();
  if (done.meta.changes && target.r2Key) await deleteObjects(app, [target.r2Key]);
  app.logger.info("marketplace.module_deleted", { courseId: course.id, moduleId, userId: user.id });
}

/** Renames a module of an own course (learners see the new title at once). */
export async function renameModule(app: AppContext, user: SessionUser, courseId: string, moduleId: string, title: unknown) {
  const course = await loadOwnCourse(app, user, courseId);
  const parsed = z.object({ title: moduleTitleSchema }).safeParse({ title });
  if (!parsed.success) throw AppError.validation(zodFieldErrors(parsed.error));
  const done = await app.db
    .update(courseModules)
    .set({ title: parsed.data.title })
    .where(and(eq(courseModules.id, parseOrThrow(moduleIdSchema, moduleId)), eq(courseModules.courseId, course.id)))
    .returning({ id: courseModules.id })
    .get();
  if (!done) throw AppError.notFound("Module");
  app.logger.info("marketplace.module_renamed", { courseId: course.id, moduleId, userId: user.id });
  return parsed.data.title;
}

/**
 * Moves a module one place up or down by swapping positions with its neighbour, in one statement
 * that changes both rows or neither: it applies only while both still hold the positions read, so
 * two moves at once never leave two modules on one position (the later one answers 409).
 */
export async function moveModule(app: AppContext, user: SessionUser, courseId: string, moduleId: string, direction: "up" | "down") {
  const course = await loadOwnCourse(app, user, courseId);
  const modules = await listModules(app, course.id);
  const at = modules.findIndex((m) => m.id === moduleId);
  if (at < 0) throw AppError.notFound("Module");
  const other = modules[direction === "up" ? at - 1 : at + 1];
  if (!other) throw new AppError("conflict", direction === "up" ? "This module is already the first." : "This module is already the last.");
  const a = modules[at]!;
  const both = sql`((${courseModules.id} = ${a.id} AND ${courseModules.position} = ${a.position}) OR (${courseModules.id} = ${other.id} AND ${courseModules.position} = ${other.position}))`;
  const swapped = await app.db
    .update(courseModules)
    .set({ position: sql`CASE ${courseModules.id} WHEN ${a.id} THEN ${other.position} ELSE ${a.position} END` })
    .where(
      and(
        eq(courseModules.courseId, course.id),
        both,
        sql`(SELECT count(*) FROM ${courseModules} WHERE ${courseModules.courseId} = ${course.id} AND ${both}) = 2`,
      ),
    )
    .returning({ id: courseModules.id })
    .all();
  if (swapped.length !== 2) throw new AppError("conflict", "The modules were reordered in the meantime. Reload the page and try again.");
  app.logger.info("marketplace.module_moved", { courseId: course.id, moduleId, direction, userId: user.id });
}

/** Course page data: course, instructor, modules, and what the viewer may do. */
export async function getCourseView(app: AppContext, viewer: SessionUser | null, course: Course) {
  if (!canView(viewer, course)) throw AppError.notFound("Course");
  const [instructor, modules, enrollment] = await Promise.all([
    app.db
      .select({ id: users.id, name: users.name, bio: instructorProfiles.bio, avatarKey: instructorProfiles.avatarKey })
      .from(users)
      .leftJoin(instructorProfiles, eq(instructorProfiles.userId, users.id))
      .where(eq(users.id, course.instructorId))
      .get(),
    listModules(app, course.id),
    viewer
      ? app.db.select().from(enrollments).where(and(eq(enrollments.courseId, course.id), eq(enrollments.userId, viewer.id))).get()
      : Promise.resolve(undefined),
  ]);
  const enrolled = enrollment?.status === "active";
  const canEdit = isOwner(viewer, course);
  const canModerate = hasPermission(viewer, "update:course:any");
  return {
    course: publicCourse(course, instructor),
    instructor: { id: course.instructorId, name: instructor?.name ?? "", bio: instructor?.bio ?? "", avatarUrl: imageUrl(instructor?.avatarKey) },
    modules: modules.map(publicModule),
    viewer: { enrolled, paused: enrollment?.status === "suspended", completedAt: enrollment?.completedAt ?? null, canEdit, canModerate, canAccess: enrolled || canEdit || canModerate },
  };
}

/** Courses of one instructor (dashboard), newest first. */
export async function listInstructorCourses(app: AppContext, instructorId: string) {
  return app.db.select().from(courses).where(eq(courses.instructorId, instructorId)).orderBy(sql`${courses.createdAt} DESC`).all();
}

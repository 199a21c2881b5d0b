import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { imageUrl } from "./images";
import { courseModules, courses, enrollments, moduleProgress, users } from "~drizzle/schema";

export type LearningModule = { id: string; title: string; position: number; completed: boolean };

/**
 * Where "Continue" goes: the first module (in course order) the learner has not completed, or the
 * first module when every module is done (to review); null for a course without modules.
 */
export function continueTarget(modules: LearningModule[]) {
  return modules.find((m) => !m.completed) ?? modules[0] ?? null;
}

export function progressOf(modules: LearningModule[]) {
  const completed = modules.filter((m) => m.completed).length;
  const total = modules.length;
  return { completed, total, percent: total ? Math.round((completed / total) * 100) : 0 };
}

/**
 * "My learning": the learner's active enrollments (most recently active first) with each course's
 * progress and the module to continue with. Two reads in one batch (one round trip): the courses,
 * and every module of those courses with the learner's completion.
 */
export async function listMyLearning(app: Pick<AppContext, "db">, userId: string) {
  const [rows, modules] = await app.db.batch([
    app.db
      .select({
        id: courses.id,
        slug: courses.slug,
        title: courses.title,
        category: courses.category,
        coverKey: courses.coverKey,
        instructorName: users.name,
        enrolledAt: enrollments.createdAt,
        completedAt: enrollments.completedAt,
        lastActivityAt: sql<number | null>`(SELECT max(${moduleProgress.completedAt}) FROM ${moduleProgress} WHERE ${moduleProgress.userId} = ${userId} AND ${moduleProgress.courseId} = ${courses.id})`,
      })
      .from(enrollments)
      .innerJoin(courses, eq(courses.id, enrollments.courseId))
      .innerJoin(users, eq(users.id, courses.instructorId))
      .where(and(eq(enrollments.userId, userId), eq(enrollments.status, "active")))
      .orderBy(desc(enrollments.createdAt)),
    app.db
      .select({
        courseId: courseModules.courseId,
        id: courseModules.id,
        title: courseModules.title,
        position: courseModules.position,
        completedAt: moduleProgress.completedAt,
      })
      .from(enrollments)
      .innerJoin(courseModules, eq(courseModules.courseId, enrollments.courseId))
      .leftJoin(moduleProgress, and(eq(moduleProgress.moduleId, courseModules.id), eq(moduleProgress.userId, userId)))
      .where(and(eq(enrollments.userId, userId), eq(enrollments.status, "active")))
      .orderBy(asc(courseModules.courseId), asc(courseModules.position)),
  ]);
  const byCourse = new Map<string, LearningModule[]>();
  for (const m of modules) {
    const list = byCourse.get(m.courseId) ?? [];
    list.push({ id: m.id, title: m.title, position: m.position, completed: m.completedAt !== null });
    byCourse.set(m.courseId, list);
  }
  const items = rows.map((c) => {
    const list = byCourse.get(c.id) ?? [];
    const next = continueTarget(list);
    const progress = progressOf(list);
    return {
      course: { id: c.id, slug: c.slug, title: c.title, category: c.category, coverUrl: imageUrl(c.coverKey), instructorName: c.instructorName },
      progress,
      completedAt: c.completedAt,
      started: progress.completed > 0,
      next: next ? { id: next.id, title: next.title } : null,
      lastActivityAt: c.lastActivityAt ?? c.enrolledAt,
    };
  });
  // In progress first (most recent activity), then not started, then completed.
  const rank = (i: (typeof items)[number]) => (i.completedAt ? 2 : i.started ? 0 : 1);
  return items.sort((a, b) => rank(a) - rank(b) || b.lastActivityAt - a.lastActivityAt);
}

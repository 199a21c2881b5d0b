import { and, desc, eq, isNotNull } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { courses, enrollments, users } from "~drizzle/schema";

/**
 * Certificates of completion (a Pro feature, gated by `requireFeature(..., "certificates")` in the
 * routes that call this): one per completed, still-active enrollment. The certificate id is the
 * enrollment id, so it is stable and verifiable.
 */
export async function listCertificates(app: AppContext, userId: string) {
  const rows = await app.db
    .select({
      id: enrollments.id,
      courseId: courses.id,
      courseTitle: courses.title,
      completedAt: enrollments.completedAt,
      learner: users.name,
    })
    .from(enrollments)
    .innerJoin(courses, eq(courses.id, enrollments.courseId))
    .innerJoin(users, eq(users.id, enrollments.userId))
    .where(and(eq(enrollments.userId, userId), eq(enrollments.status, "active"), isNotNull(enrollments.completedAt)))
    .orderBy(desc(enrollments.completedAt))
    .all();
  return rows.map((r) => ({ certificateId: `cert_${r.id}`, courseId: r.courseId, courseTitle: r.courseTitle, learner: r.learner, completedAt: r.completedAt! }));
}

import { and, desc, eq, inArray } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { courses, instructorProfiles, users } from "~drizzle/schema";
import { publicCourse } from "./courses.server";
import { imageUrl } from "./images";

export type InstructorProfile = { id: string; name: string; bio: string; avatarUrl: string | null; isInstructor: boolean };

/** An instructor's public profile (name, bio, avatar); null for an unknown user. */
export async function getInstructorProfile(app: Pick<AppContext, "db">, userId: string): Promise<InstructorProfile | null> {
  const row = await app.db
    .select({ id: users.id, name: users.name, role: users.role, bio: instructorProfiles.bio, avatarKey: instructorProfiles.avatarKey })
    .from(users)
    .leftJoin(instructorProfiles, eq(instructorProfiles.userId, users.id))
    .where(eq(users.id, userId))
    .get();
  if (!row) return null;
  return { id: row.id, name: row.name, bio: row.bio ?? "", avatarUrl: imageUrl(row.avatarKey), isInstructor: row.role === "instructor" || row.role === "admin" };
}

/**
 * The public instructor page: the profile and the instructor's published courses (newest first),
 * in one round trip. Null when the user is unknown or has neither a profile nor a published course.
 */
export async function getPublicInstructor(app: Pick<AppContext, "db">, userId: string) {
  const [profileRows, courseRows] = await app.db.batch([
    app.db
      .select({ id: users.id, name: users.name, role: users.role, bio: instructorProfiles.bio, avatarKey: instructorProfiles.avatarKey })
      .from(users)
      .leftJoin(instructorProfiles, eq(instructorProfiles.userId, users.id))
      .where(eq(users.id, userId)),
    app.db
      .select()
      .from(courses)
      .where(and(eq(courses.instructorId, userId), inArray(courses.status, ["published"])))
      .orderBy(desc(courses.publishedAt))
      .limit(50),
  ]);
  const row = profileRows[0];
  if (!row || (row.role !== "instructor" && row.role !== "admin" && !courseRows.length)) return null;
  const profile: InstructorProfile = { id: row.id, name: row.name, bio: row.bio ?? "", avatarUrl: imageUrl(row.avatarKey), isInstructor: true };
  const learners = courseRows.reduce((sum, c) => sum + c.enrollmentCount, 0);
  const rated = courseRows.filter((c) => c.ratingCount > 0);
  const reviewCount = rated.reduce((sum, c) => sum + c.ratingCount, 0);
  const average = reviewCount ? rated.reduce((sum, c) => sum + c.ratingSum, 0) / reviewCount : 0;
  return {
    profile,
    courses: courseRows.map((c) => publicCourse(c, { id: row.id, name: row.name })),
    stats: { courses: courseRows.length, learners, reviewCount, average: Math.round(average * 10) / 10 },
  };
}

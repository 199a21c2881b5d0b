import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { coursesFts, nextSearchId } from "~/modules/marketplace/search";
import { createId } from "~/utils/ids";
import { courseModules, courses } from "~drizzle/schema";
import type { CourseCategory, CourseLanguage, CourseLevel, CourseStatus } from "~drizzle/schema/enums";
import { db } from "../helpers";

export const PDF = new TextEncoder().encode("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");
export const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1]);

export const validMetadata = {
  title: "Intro to SQL for analysts",
  description: "Learn SELECT, JOIN and GROUP BY with real data sets, step by step.",
  category: "data",
  level: "beginner",
  language: "en",
  priceAmount: "1999",
  currency: "usd",
};

/** A multipart upload body like the form sends. */
export function uploadForm(fields: Record<string, string>, files: { name: string; bytes: Uint8Array | string; title?: string }[] = []) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const f of files) {
    form.append("moduleTitle", f.title ?? "");
    form.append("files", new File([f.bytes as BlobPart], f.name));
  }
  return form;
}

export const post = (body: FormData): RequestInit => ({ method: "POST", body });

let n = 0;
type CourseOverrides = Partial<{
  title: string;
  description: string;
  category: CourseCategory;
  level: CourseLevel;
  language: CourseLanguage;
  priceAmount: number;
  currency: string;
  status: CourseStatus;
  enrollmentCount: number;
  ratingAvg: number;
  ratingCount: number;
  publishedAt: number;
}>;

/** Inserts a course directly (with search row and one module whose file is in R2). */
export async function insertCourse(instructorId: string, overrides: CourseOverrides = {}, opts: { withFile?: boolean } = {}) {
  const id = createId("course");
  const t = Date.now();
  const row = {
    id,
    slug: `course-${++n}-${id.slice(-6)}`,
    instructorId,
    title: `Course number ${n}`,
    description: "A course inserted by the test helpers, long enough.",
    category: "development" as CourseCategory,
    level: "beginner" as CourseLevel,
    language: "en" as CourseLanguage,
    priceAmount: 0,
    currency: "usd",
    status: "published" as CourseStatus,
    ratingCount: 0,
    ratingSum: 0,
    ratingAvg: 0,
    enrollmentCount: 0,
    publishedAt: t,
    createdAt: t,
    updatedAt: t,
    ...overrides,
  };
  const moduleId = createId("module");
  const key = `modules/${moduleId}/lesson.pdf`;
  if (opts.withFile !== false) await env.UPLOADS.put(key, PDF, { httpMetadata: { contentType: "application/pdf" } });
  await db().batch([
    db().insert(courses).values({ ...row, searchId: nextSearchId }),
    db().insert(coursesFts).select(sql`SELECT search_id, id, title, description FROM courses WHERE id = ${id}`),
    db()
      .insert(courseModules)
      .values({ id: moduleId, courseId: id, position: 1, title: "Lesson 1", r2Key: key, fileName: "lesson.pdf", contentType: "application/pdf", sizeBytes: PDF.byteLength, createdAt: t }),
  ]);
  return { ...row, moduleId, key };
}

export async function r2Keys(prefix = "modules/") {
  const listed = await env.UPLOADS.list({ prefix });
  return listed.objects.map((o) => o.key);
}

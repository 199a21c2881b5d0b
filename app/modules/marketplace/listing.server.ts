import { and, asc, desc, eq, gte, lte, sql, type AnyColumn, type SQL } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { AppError } from "~/utils/errors";
import { courses, users } from "~drizzle/schema";
import { COURSE_CATEGORIES, COURSE_LANGUAGES, COURSE_LEVELS } from "~drizzle/schema/enums";
import { now } from "~/utils/clock";
import { publicCourse } from "./courses.server";
import { nextPriceChange } from "./sales";

import { LISTING_SORTS, type ListingSort } from "./rules";

export { LISTING_SORTS, type ListingSort };

const empty = (v: unknown) => (v === "" ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(empty, schema.optional());

/** Query string of `GET /api/courses/list` and of the catalog page (same names, same rules). */
export const listingQuerySchema = z
  .object({
    q: optional(z.string().trim().max(100, "Search text must be at most 100 characters")),
    category: optional(z.enum(COURSE_CATEGORIES)),
    level: optional(z.enum(COURSE_LEVELS)),
    language: optional(z.enum(COURSE_LANGUAGES)),
    price: optional(z.enum(["free", "paid"])),
    minPrice: optional(z.coerce.number().int().min(0).max(10_000_000)),
    maxPrice: optional(z.coerce.number().int().min(0).max(10_000_000)),
    minRating: optional(z.coerce.number().min(0).max(5)),
    instructor: optional(z.string().regex(/^usr_[0-9a-z]{26}$/, "Not a user id")),
    sort: z.preprocess(empty, z.enum(LISTING_SORTS).default("popular")),
    cursor: optional(z.string().max(200)),
    limit: z.preprocess(empty, z.coerce.number().int().min(1).max(50).default(20)),
  })
  .strict()
  .refine((v) => v.minPrice === undefined || v.maxPrice === undefined || v.minPrice <= v.maxPrice, {
    path: ["maxPrice"],
    message: "maxPrice must be at least minPrice",
  });
export type ListingQuery = z.infer<typeof listingQuerySchema>;

/** Sort column per sort, and whether it runs descending; ties break on id in the same direction. */
const SORTS: Record<ListingSort, { column: AnyColumn; desc: boolean }> = {
  popular: { column: courses.enrollmentCount, desc: true },
  newest: { column: courses.publishedAt, desc: true },
  rating: { column: courses.ratingAvg, desc: true },
  price_asc: { column: courses.priceAmount, desc: false },
  price_desc: { column: courses.priceAmount, desc: true },
};

type Cursor = { s: ListingSort; v: number; id: string };

export function encodeCursor(c: Cursor): string {
  return btoa(JSON.stringify([c.s, c.v, c.id])).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const cursorSchema = z.tuple([z.enum(LISTING_SORTS), z.number().int(), z.string().regex(/^crs_[0-9a-z]{26}$/)]);

export function decodeCursor(raw: string, sort: ListingSort): Cursor {
  try {
    const json = JSON.parse(atob(raw.replace(/-/g, "+").replace(/_/g, "/")));
    const [s, v, id] = cursorSchema.parse(json);
    if (s !== sort) throw new Error("sort mismatch");
    return { s, v, id };
  } catch {
    throw AppError.validation({ cursor: ["The cursor is invalid or belongs to another sort order"] });
  }
}

/**
 * Turns free text into an FTS5 query: each word becomes a quoted prefix term, all must match.
 * Returns null when there is nothing to search for.
 */
export function ftsQuery(q: string): string | null {
  const words = q
    .normalize("NFKC")
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 8);
  return words.length ? words.map((w) => `"${w}"*`).join(" ") : null;
}

/**
 * How a text search runs. `fts`: the matches drive the query (FTS → primary key → sort the
 * matches), best when few courses match. `index`: walk the sort index and check each course
 * against the search (an FTS rowid lookup), best when many match (a page fills after a few rows). `listCourses` picks by
 * a bounded count of the matches.
 */
export type TextStrategy = "fts" | "index";
export const TEXT_DRIVE_MAX_MATCHES = 1000;

/** The WHERE clause of a listing (published courses only) without the cursor. */
export function listingWhere(query: ListingQuery, text: TextStrategy = "fts"): SQL[] {
  const match = query.q ? ftsQuery(query.q) : null;
  // For the `fts` strategy the status test must not pick a sort index to walk instead: the unary +
  // keeps SQLite from using an index for it.
  const where: SQL[] = [match && text === "fts" ? sql`+${courses.status} = 'published'` : eq(courses.status, "published")];
  if (query.category) where.push(eq(courses.category, query.category));
  if (query.level) where.push(eq(courses.level, query.level));
  if (query.language) where.push(eq(courses.language, query.language));
  if (query.price === "free") where.push(eq(courses.priceAmount, 0));
  if (query.price === "paid") where.push(gte(courses.priceAmount, 1));
  if (query.minPrice !== undefined) where.push(gte(courses.priceAmount, query.minPrice));
  if (query.maxPrice !== undefined) where.push(lte(courses.priceAmount, query.maxPrice));
  if (query.minRating !== undefined && query.minRating > 0) where.push(gte(courses.ratingAvg, Math.round(query.minRating * 100)));
  if (query.instructor) where.push(eq(courses.instructorId, query.instructor));
  if (match && text === "fts") where.push(sql`${courses.searchId} IN (SELECT rowid FROM courses_fts WHERE courses_fts MATCH ${match})`);
  if (match && text === "index") where.push(sql`EXISTS (SELECT 1 FROM courses_fts WHERE courses_fts MATCH ${match} AND courses_fts.rowid = ${courses.searchId})`);
  return where;
}

/** The listing query (exported so the EXPLAIN QUERY PLAN test checks exactly what runs). */
export function listingStatement(app: Pick<AppContext, "db">, query: ListingQuery, text: TextStrategy = "fts") {
  const sort = SORTS[query.sort];
  const where = listingWhere(query, text);
  if (query.cursor) {
    const c = decodeCursor(query.cursor, query.sort);
    where.push(sort.desc ? sql`(${sort.column}, ${courses.id}) < (${c.v}, ${c.id})` : sql`(${sort.column}, ${courses.id}) > (${c.v}, ${c.id})`);
  }
  return app.db
    .select({ course: courses, instructorName: users.name })
    .from(courses)
    .leftJoin(users, eq(users.id, courses.instructorId))
    .where(and(...where))
    .orderBy(...(sort.desc ? [desc(sort.column), desc(courses.id)] : [asc(sort.column), asc(courses.id)]))
    .limit(query.limit + 1);
}

/** Counts the text matches (up to a bound) to choose how a text search runs. */
async function textStrategy(app: Pick<AppContext, "db">, query: ListingQuery): Promise<TextStrategy> {
  const match = query.q ? ftsQuery(query.q) : null;
  if (!match) return "fts";
  const row = await app.db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM (SELECT 1 FROM courses_fts WHERE courses_fts MATCH ${match} LIMIT ${TEXT_DRIVE_MAX_MATCHES + 1})`,
  );
  return (row?.n ?? 0) > TEXT_DRIVE_MAX_MATCHES ? "index" : "fts";
}

const sortValue = (sort: ListingSort, c: typeof courses.$inferSelect): number =>
  sort === "popular" ? c.enrollmentCount : sort === "newest" ? (c.publishedAt ?? 0) : sort === "rating" ? c.ratingAvg : c.priceAmount;

/** `GET /api/courses/list` and the catalog page: published courses, filtered, sorted, keyset-paginated. */
export async function listCourses(app: Pick<AppContext, "db">, query: ListingQuery) {
  const rows = await listingStatement(app, query, await textStrategy(app, query)).all();
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const t = now();
  return {
    items: page.map((r) => publicCourse(r.course, { id: r.course.instructorId, name: r.instructorName ?? "" }, t)),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ s: query.sort, v: sortValue(query.sort, last.course), id: last.course.id }) : null,
    /** When a sale on this page next starts or ends (pages are cached no longer), or null. */
    priceChangesAt: nextPriceChange(page.map((r) => r.course), t),
  };
}

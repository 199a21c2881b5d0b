import { sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The FTS5 table of migration 0004 (`courses_fts`), described for Drizzle so its writes can join a
 * `db.batch`. Deliberately not exported from drizzle/schema: drizzle-kit cannot create FTS5 tables.
 */
export const coursesFts = sqliteTable("courses_fts", {
  /** Equals `courses.search_id`. */
  rowid: integer("rowid"),
  courseId: text("course_id").notNull(),
  title: text("title").notNull(),
  description: text("description").notNull(),
});

/** The next `courses.search_id` (evaluated inside the INSERT, which D1 runs atomically). */
export const nextSearchId = sql`(SELECT coalesce(max(search_id), 0) + 1 FROM courses)`;

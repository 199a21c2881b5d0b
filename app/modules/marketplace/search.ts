import { sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The FTS5 table of migration 0004 (`courses_fts`), described for Drizzle so its writes can join a
 * `db.batch`. Deliberately not exported from drizzle/schema: drizzle-kit cannot create FTS5 tables.
 */
export const coursesFts = sqliteTable("courses_fts", {
  courseId: text("course_id").notNull(),
  title: text("title").notNull(),
  description: text("description").notNull(),
});

import { integer, sqliteTable } from "drizzle-orm/sqlite-core";

/**
 * One row (id 1): the version of everything anonymous pages show about courses. The edge cache
 * (workers/edge-cache.ts) puts it in every cache key, so bumping it retires every cached page at
 * once. SQLite triggers (custom migration) bump it on any insert, update or delete of courses,
 * their modules and reviews, so no code path can change a course and forget to invalidate.
 */
export const edgeCacheVersion = sqliteTable("edge_cache_version", {
  id: integer("id").primaryKey(),
  version: integer("version").notNull().default(0),
});

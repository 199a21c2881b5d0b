import { gte, lte, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import * as schema from "~drizzle/schema";

/** A Drizzle client for one request or job; never kept at module level. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}
export type Db = ReturnType<typeof createDb>;

/** Conditions keeping `column` (epoch ms) within whole UTC days `from`..`to` (YYYY-MM-DD, inclusive). */
export function withinUtcDays(column: SQLiteColumn, from?: string, to?: string): SQL[] {
  const conditions: SQL[] = [];
  if (from) conditions.push(gte(column, Date.parse(`${from}T00:00:00Z`)));
  if (to) conditions.push(lte(column, Date.parse(`${to}T23:59:59.999Z`)));
  return conditions;
}

/**
 * `items` in runs of at most `size`: D1 binds at most 100 parameters per statement, so long id
 * lists go into several `IN (…)` statements.
 */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  return parts;
}

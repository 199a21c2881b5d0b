import { gte, lte, sql, type SQL } from "drizzle-orm";
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

/**
 * `column IN (values)` with the whole list bound as ONE parameter, a JSON array read back with
 * `json_each`: for lists with no small bound (every licence of an organization), where `inArray`
 * would bind one parameter per value and cross D1's 100 (tests/d1-limits.ts fails such a test).
 * Keeps the query a single statement, so ordering, grouping and limits stay exact.
 */
export function inJsonArray(column: SQLiteColumn, values: readonly (string | number)[]): SQL {
  return sql`${column} in (select value from json_each(${JSON.stringify(values)}))`;
}

/**
 * `column` contains `fragment`, ignoring ASCII case: `instr`, not LIKE, because D1 refuses LIKE and
 * GLOB patterns over 50 bytes (a long search box entry would fail the page) and LIKE would treat
 * `%` and `_` in the fragment as wildcards.
 */
export function containsText(column: SQLiteColumn, fragment: string): SQL {
  return sql`instr(lower(${column}), ${fragment.toLowerCase()}) > 0`;
}

import { Column, gte, is, lte, SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import * as schema from "~drizzle/schema";

/** A Drizzle client for one request or job; never kept at module level. Its `batch` refuses selections D1 would garble (below). */
export function createDb(d1: D1Database) {
  const db = drizzle(d1, { schema });
  const batch = db.batch.bind(db);
  const guarded: typeof batch = async (queries) => {
    for (const query of queries) assertDistinctBatchColumns(query);
    return batch(queries);
  };
  db.batch = guarded;
  return db;
}
export type Db = ReturnType<typeof createDb>;

/**
 * In `db.batch`, D1 answers each statement's rows as objects keyed by column name, and Drizzle
 * reads their values back by position: two selected columns with the same name (`organizations.id`
 * and `licenses.id`, or two tables' `name`) collapse into one key and every later value shifts by
 * one — silently wrong data (drizzle-orm#6038; a lone `.all()` / `.get()` is not affected, it reads
 * arrays). So a batched query whose selection repeats a column name is refused before it runs:
 * give all but one of them an alias with `aliased(column, "name")`.
 */
export function assertDistinctBatchColumns(query: unknown) {
  const prepared = (query as { _prepare?: () => { fields?: { path: string[]; field: unknown }[] } })._prepare?.();
  const seen = new Map<string, string>();
  for (const { path, field } of prepared?.fields ?? []) {
    const name = is(field, Column) ? field.name : is(field, SQL.Aliased) ? field.fieldAlias : null;
    if (name === null) continue;
    const before = seen.get(name);
    if (before !== undefined) {
      throw new Error(`db.batch: "${before}" and "${path.join(".")}" are both selected as column "${name}"; D1 batch rows would shift their values. Alias one with aliased(column, "…").`);
    }
    seen.set(name, path.join("."));
  }
}

/** `column` selected under another name (same decoding), for selections that join tables sharing column names. */
export function aliased<C extends SQLiteColumn>(column: C, alias: string) {
  return sql`${column}`.mapWith(column).as(alias);
}

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

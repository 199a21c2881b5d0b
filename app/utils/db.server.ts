import { drizzle } from "drizzle-orm/d1";
import * as schema from "~drizzle/schema";

/** A Drizzle client for one request or job; never kept at module level. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}
export type Db = ReturnType<typeof createDb>;

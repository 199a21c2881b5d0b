import { integer } from "drizzle-orm/sqlite-core";

/** Every timestamp is integer epoch milliseconds (see app/utils/clock.ts). */
export const epochMs = (name: string) => integer(name, { mode: "number" });

/** Every boolean is an integer 0/1 that Drizzle maps to true/false. */
export const flag = (name: string) => integer(name, { mode: "boolean" });

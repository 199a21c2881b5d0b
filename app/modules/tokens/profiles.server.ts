import { eq, inArray, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { chunk } from "~/utils/db.server";
import { AppError, parseOrThrow } from "~/utils/errors";
import { learnerProfiles, users } from "~drizzle/schema";
import { isValidTimeZone, timeZoneSchema } from "./streak";

export type LearnerProfile = typeof learnerProfiles.$inferSelect;

export const handleSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, "Handles have at least 3 characters")
  .max(24, "Handles have at most 24 characters")
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "Use letters, digits, - and _ (starting with a letter or digit)");

/** The time zone Cloudflare located the request in, when it is a valid IANA name. */
export function requestTimeZone(request: Request | null | undefined): string {
  const zone = (request as { cf?: { timezone?: unknown } } | null | undefined)?.cf?.timezone;
  return typeof zone === "string" && isValidTimeZone(zone) ? zone : "UTC";
}

const HANDLE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"; // no 0/o, 1/l: easy to read aloud

/** A neutral handle, `learner-` and 7 random characters: never derived from the learner's name (they may choose their own). */
export function randomHandle(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(7));
  return `learner-${Array.from(bytes, (b) => HANDLE_ALPHABET[b & 31]).join("")}`;
}

/**
 * The learner's profile, created on first use with a random neutral handle (`learner-…`; the
 * learner picks their own on /wallet) and the time zone of the request (UTC without one).
 * Concurrent first uses converge on one row.
 */
export async function ensureProfile(app: Pick<AppContext, "db">, userId: string, request?: Request | null): Promise<LearnerProfile> {
  const existing = await app.db.select().from(learnerProfiles).where(eq(learnerProfiles.userId, userId)).get();
  if (existing) return existing;
  for (let attempt = 0; attempt < 3; attempt++) {
    const t = now();
    // Inserted only for an existing user (INSERT … SELECT): a deleted or unknown id creates nothing.
    await app.db
      .insert(learnerProfiles)
      .select(
        app.db
          .select({
            userId: users.id,
            handle: sql<string>`${randomHandle()}`.as("handle"),
            timeZone: sql<string>`${requestTimeZone(request)}`.as("time_zone"),
            hiddenFromBoards: sql<number>`0`.as("hidden_from_boards"),
            createdAt: sql<number>`${t}`.as("created_at"),
            updatedAt: sql<number>`${t}`.as("updated_at"),
          })
          .from(users)
          .where(eq(users.id, userId)),
      )
      .onConflictDoNothing()
      .run();
    const row = await app.db.select().from(learnerProfiles).where(eq(learnerProfiles.userId, userId)).get();
    if (row) return row;
    const user = await app.db.select({ id: users.id }).from(users).where(eq(users.id, userId)).get();
    if (!user) throw AppError.notFound("User");
  }
  throw new AppError("conflict", "Could not create your learner profile; please retry.");
}

export const profileUpdateSchema = z
  .object({
    handle: handleSchema.optional(),
    timeZone: timeZoneSchema.optional(),
    hiddenFromBoards: z.boolean().optional(),
  })
  .strict();

/** 400 when `handle` belongs to someone else (the UNIQUE index stays the last word on a race). */
export async function assertHandleFree(app: Pick<AppContext, "db">, userId: string, handle: string | undefined) {
  if (!handle) return;
  const taken = await app.db.select({ userId: learnerProfiles.userId }).from(learnerProfiles).where(eq(learnerProfiles.handle, handle)).get();
  if (taken && taken.userId !== userId) throw AppError.validation({ handle: ["That handle is taken"] });
}

/** Changes handle, time zone or leaderboard visibility; returns the updated profile. Refusals write nothing. */
export async function updateProfile(app: AppContext, userId: string, input: unknown): Promise<LearnerProfile> {
  const changes = parseOrThrow(profileUpdateSchema, input);
  // Refusals first: a taken handle changes nothing (not even a first-use profile).
  await assertHandleFree(app, userId, changes.handle);
  await ensureProfile(app, userId);
  try {
    await app.db
      .update(learnerProfiles)
      .set({ ...changes, updatedAt: now() })
      .where(eq(learnerProfiles.userId, userId))
      .run();
  } catch (error) {
    if (String(error).includes("UNIQUE")) throw AppError.validation({ handle: ["That handle is taken"] });
    throw error;
  }
  return (await app.db.select().from(learnerProfiles).where(eq(learnerProfiles.userId, userId)).get())!;
}

export async function findProfileByHandle(app: Pick<AppContext, "db">, handle: string) {
  const parsed = handleSchema.safeParse(handle);
  if (!parsed.success) return null;
  return app.db
    .select({ userId: learnerProfiles.userId, handle: learnerProfiles.handle, hiddenFromBoards: learnerProfiles.hiddenFromBoards, name: users.name })
    .from(learnerProfiles)
    .innerJoin(users, eq(users.id, learnerProfiles.userId))
    .where(eq(learnerProfiles.handle, parsed.data))
    .get();
}

/** Names, handles and visibility (the profile setting; no profile: visible) of the given users (one query per 90). */
export async function describeUsers(app: Pick<AppContext, "db">, userIds: string[]) {
  const rows = await Promise.all(
    chunk(userIds, 90).map((ids) =>
      app.db
        .select({ id: users.id, name: users.name, handle: learnerProfiles.handle, hidden: learnerProfiles.hiddenFromBoards })
        .from(users)
        .leftJoin(learnerProfiles, eq(learnerProfiles.userId, users.id))
        .where(inArray(users.id, ids))
        .all(),
    ),
  );
  return new Map(rows.flat().map((r) => [r.id, { name: r.name, handle: r.handle, hidden: r.hidden === true }]));
}

import { eq, inArray } from "drizzle-orm";
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

const slug = (name: string) =>
  name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 16) || "learner";

const suffix = () => Array.from(crypto.getRandomValues(new Uint8Array(3)), (b) => b.toString(36).padStart(2, "0")).join("").slice(0, 5);

/**
 * The learner's profile, created on first use with a handle from their name and the time zone of
 * the request (UTC without one). Concurrent first uses converge on one row.
 */
export async function ensureProfile(app: Pick<AppContext, "db">, userId: string, request?: Request | null): Promise<LearnerProfile> {
  const existing = await app.db.select().from(learnerProfiles).where(eq(learnerProfiles.userId, userId)).get();
  if (existing) return existing;
  const user = await app.db.select({ name: users.name }).from(users).where(eq(users.id, userId)).get();
  if (!user) throw AppError.notFound("User");
  for (let attempt = 0; attempt < 3; attempt++) {
    const t = now();
    await app.db
      .insert(learnerProfiles)
      .values({ userId, handle: `${slug(user.name)}-${suffix()}`, timeZone: requestTimeZone(request), hiddenFromBoards: false, createdAt: t, updatedAt: t })
      .onConflictDoNothing()
      .run();
    const row = await app.db.select().from(learnerProfiles).where(eq(learnerProfiles.userId, userId)).get();
    if (row) return row;
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

/** Changes handle, time zone or leaderboard visibility; returns the updated profile. */
export async function updateProfile(app: AppContext, userId: string, input: unknown): Promise<LearnerProfile> {
  const changes = parseOrThrow(profileUpdateSchema, input);
  const profile = await ensureProfile(app, userId);
  if (changes.handle && changes.handle !== profile.handle) {
    const taken = await app.db.select({ userId: learnerProfiles.userId }).from(learnerProfiles).where(eq(learnerProfiles.handle, changes.handle)).get();
    if (taken) throw AppError.validation({ handle: ["That handle is taken"] });
  }
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

/** Names and handles of the given users (one query). */
export async function describeUsers(app: Pick<AppContext, "db">, userIds: string[]) {
  const rows = await Promise.all(
    chunk(userIds, 90).map((ids) =>
      app.db
        .select({ id: users.id, name: users.name, handle: learnerProfiles.handle })
        .from(users)
        .leftJoin(learnerProfiles, eq(learnerProfiles.userId, users.id))
        .where(inArray(users.id, ids))
        .all(),
    ),
  );
  return new Map(rows.flat().map((r) => [r.id, { name: r.name, handle: r.handle }]));
}

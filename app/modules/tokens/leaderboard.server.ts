import { and, desc, eq, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { follows, learnerProfiles, users } from "~drizzle/schema";
import { boardName, BOARD_PERIODS, weekEndsAt, weekStart, type BoardPeriod } from "./periods";
import { describeUsers, ensureProfile, findProfileByHandle, handleSchema, updateProfile } from "./profiles.server";
import { walletFor } from "./ledger.server";

/*
 * Leaderboards (docs/tokens.md): scores are tokens earned from learning (awards and streak
 * bonuses, less clawbacks), kept by one Leaderboard Durable Object per board and period. The
 * wallets feed them when they project their entries. Hidden learners are left off public boards.
 */

export const MAX_FOLLOWS = 200;

const board = (app: Pick<AppContext, "env">, period: BoardPeriod, at = now()) => app.env.LEADERBOARD.get(app.env.LEADERBOARD.idFromName(boardName(period, at)));

export const globalQuerySchema = z.object({
  period: z.enum(BOARD_PERIODS).default("week"),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

export type BoardRow = { rank: number; userId: string; name: string; handle: string | null; score: number; isYou: boolean };

/** `GET /api/leaderboard/global`: the top N of this week or all time, and the caller's own rank. */
export async function globalBoard(app: AppContext, userId: string, input: unknown) {
  const { period, limit } = parseOrThrow(globalQuerySchema, input);
  const at = now();
  const stub = board(app, period, at);
  const [top, me, size] = await Promise.all([stub.top(limit), stub.rankOf(userId), stub.size()]);
  const names = await describeUsers(app, [...new Set([...top.map((r) => r.userId), userId])]);
  const row = (r: { rank: number; userId: string; score: number }): BoardRow => ({
    rank: r.rank,
    userId: r.userId,
    name: names.get(r.userId)?.name ?? "Learner",
    handle: names.get(r.userId)?.handle ?? null,
    score: r.score,
    isYou: r.userId === userId,
  });
  return {
    period,
    ...(period === "week" ? { weekStart: weekStart(at), endsAt: weekEndsAt(at) } : {}),
    members: size,
    top: top.map(row),
    you: me ? row(me) : null,
  };
}

/** `GET /api/leaderboard/friends`: the caller and the people they follow, ranked (hidden learners only to themselves). */
export async function friendsBoard(app: AppContext, userId: string, input: unknown) {
  const { period } = parseOrThrow(globalQuerySchema, input);
  const followed = await app.db.select({ id: follows.followeeId }).from(follows).where(eq(follows.followerId, userId)).orderBy(desc(follows.createdAt)).limit(MAX_FOLLOWS).all();
  const ids = [userId, ...followed.map((f) => f.id)];
  const [scores, names] = await Promise.all([board(app, period).scoresOf(ids), describeUsers(app, ids)]);
  const ranked = scores
    .filter((s) => s.userId === userId || !s.hidden)
    .sort((a, b) => b.score - a.score || (a.reachedAt ?? Infinity) - (b.reachedAt ?? Infinity) || a.userId.localeCompare(b.userId));
  return {
    period,
    items: ranked.map((s, i): BoardRow => ({
      rank: i + 1,
      userId: s.userId,
      name: names.get(s.userId)?.name ?? "Learner",
      handle: names.get(s.userId)?.handle ?? null,
      score: s.score,
      isYou: s.userId === userId,
    })),
  };
}

export const followSchema = z.object({ handle: handleSchema }).strict();

/** Follows a learner by handle (idempotent). */
export async function follow(app: AppContext, userId: string, input: unknown) {
  const { handle } = parseOrThrow(followSchema, input);
  const target = await findProfileByHandle(app, handle);
  if (!target) throw AppError.notFound("Learner");
  if (target.userId === userId) throw AppError.validation({ handle: ["You cannot follow yourself"] });
  const count = await app.db.get<{ n: number }>(sql`select count(*) as n from follows where follower_id = ${userId}`);
  if ((count?.n ?? 0) >= MAX_FOLLOWS) throw new AppError("conflict", `You can follow at most ${MAX_FOLLOWS} learners.`);
  await app.db.insert(follows).values({ followerId: userId, followeeId: target.userId, createdAt: now() }).onConflictDoNothing().run();
  app.logger.info("tokens.followed", { userId, followeeId: target.userId });
  return { following: { handle: target.handle, name: target.name } };
}

export async function unfollow(app: AppContext, userId: string, handle: string) {
  const target = await findProfileByHandle(app, handle);
  if (!target) throw AppError.notFound("Learner");
  await app.db.delete(follows).where(and(eq(follows.followerId, userId), eq(follows.followeeId, target.userId))).run();
  return { unfollowed: target.handle };
}

export async function listFollowing(app: Pick<AppContext, "db">, userId: string) {
  return app.db
    .select({ handle: learnerProfiles.handle, name: users.name, since: follows.createdAt })
    .from(follows)
    .innerJoin(learnerProfiles, eq(learnerProfiles.userId, follows.followeeId))
    .innerJoin(users, eq(users.id, follows.followeeId))
    .where(eq(follows.followerId, userId))
    .orderBy(desc(follows.createdAt))
    .limit(MAX_FOLLOWS)
    .all();
}

export async function isFollowing(app: Pick<AppContext, "db">, userId: string, followeeId: string) {
  return !!(await app.db.select({ f: follows.followerId }).from(follows).where(and(eq(follows.followerId, userId), eq(follows.followeeId, followeeId))).get());
}

/**
 * Changes the learner's profile; hiding (or showing) also updates this week's and the all-time
 * board at once and every later push from the wallet.
 */
export async function saveProfile(app: AppContext, userId: string, input: unknown) {
  const before = await ensureProfile(app, userId);
  const profile = await updateProfile(app, userId, input);
  if (profile.hiddenFromBoards !== before.hiddenFromBoards) {
    const hidden = profile.hiddenFromBoards;
    await walletFor(app, userId).setHidden({ userId, hidden });
    await Promise.all(BOARD_PERIODS.map((p) => board(app, p).setHidden(userId, hidden)));
    app.logger.info("tokens.visibility_changed", { userId, hidden });
  }
  return profile;
}

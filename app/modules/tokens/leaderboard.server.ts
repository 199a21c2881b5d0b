import { and, desc, eq, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { follows, learnerProfiles, users } from "~drizzle/schema";
import { boardName, BOARD_PERIODS, weekEndsAt, weekStart, type BoardPeriod } from "./periods";
import { REWARD_POLICY } from "./config";
import { assertHandleFree, describeUsers, ensureProfile, findProfileByHandle, handleSchema, profileUpdateSchema, updateProfile } from "./profiles.server";
import { walletFor } from "./ledger.server";

/*
 * Leaderboards (docs/tokens.md): scores are tokens earned from learning (awards and streak
 * bonuses, less clawbacks), kept by one Leaderboard Durable Object per board and period. The
 * wallets feed them when they project their entries. Who is hidden is the profile setting
 * (`learner_profiles.hidden_from_boards`), read on every board, follow and profile page: hidden
 * learners are on no board but their own view, not followable, and have no public profile.
 * Public rows carry handles, never user ids.
 */

export const MAX_FOLLOWS = REWARD_POLICY.maxFollows;

const board = (app: Pick<AppContext, "env">, period: BoardPeriod, at = now()) => app.env.LEADERBOARD.get(app.env.LEADERBOARD.idFromName(boardName(period, at)));

export const globalQuerySchema = z.object({
  period: z.enum(BOARD_PERIODS).default("week"),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

/** A row of a public board: handles, never user ids. */
export type BoardRow = { rank: number; name: string; handle: string | null; score: number; isYou: boolean };

type Described = Awaited<ReturnType<typeof describeUsers>>;
const rowOf = (names: Described, viewerId: string, r: { rank: number; userId: string; score: number }): BoardRow => ({
  rank: r.rank,
  name: names.get(r.userId)?.name ?? "Learner",
  handle: names.get(r.userId)?.handle ?? null,
  score: r.score,
  isYou: r.userId === viewerId,
});

/**
 * The visible top `limit` of a board. Visibility is the profile setting, whatever the board's own
 * flag says (a board row can lag a change, or predate the profile): rows of hidden learners are
 * dropped and ranks closed up, and a board whose flag lagged is corrected in the background.
 */
async function visibleTop(app: AppContext, stub: ReturnType<typeof board>, limit: number) {
  const picked: { userId: string; score: number }[] = [];
  const names: Described = new Map();
  const stale: string[] = [];
  let offset = 0;
  for (let round = 0; round < 4 && picked.length < limit; round++) {
    const want = limit - picked.length + 10;
    const page = await stub.top(want, offset);
    offset += page.length;
    const described = await describeUsers(app, page.map((r) => r.userId));
    for (const r of page) {
      const who = described.get(r.userId);
      if (who) names.set(r.userId, who);
      if (who?.hidden) stale.push(r.userId);
      else if (picked.length < limit) picked.push(r);
    }
    if (page.length < want) break;
  }
  if (stale.length) {
    app.ctx.waitUntil(Promise.all(stale.map((id) => stub.setHidden(id, true))).catch((error) => app.logger.warn("tokens.board_repair_failed", { error })));
  }
  return { picked, names, hiddenAbove: stale };
}

/** `GET /api/leaderboard/global`: the top N of this week or all time, and the caller's own rank (null when hidden). */
export async function globalBoard(app: AppContext, userId: string, input: unknown) {
  const { period, limit } = parseOrThrow(globalQuerySchema, input);
  const at = now();
  const stub = board(app, period, at);
  const [{ picked, names, hiddenAbove }, me, size, profile] = await Promise.all([visibleTop(app, stub, limit), stub.rankOf(userId), stub.size(), ensureProfile(app, userId)]);
  // The caller always has a handle of their own on their row (made on first use, like the profile page).
  const you = { name: names.get(userId)?.name ?? (await describeUsers(app, [userId])).get(userId)?.name ?? "Learner", handle: profile.handle, hidden: profile.hiddenFromBoards };
  names.set(userId, you);
  const top = picked.map((r, i) => rowOf(names, userId, { ...r, rank: i + 1 }));
  // Hidden learners the board still counted above the caller do not push them down.
  const mine = me && !you?.hidden ? rowOf(names, userId, { ...me, rank: Math.max(1, me.rank - hiddenAbove.length) }) : null;
  const listed = top.find((r) => r.isYou);
  return {
    period,
    ...(period === "week" ? { weekStart: weekStart(at), endsAt: weekEndsAt(at) } : {}),
    members: Math.max(0, size - hiddenAbove.length),
    top,
    you: listed ?? mine,
  };
}

/** `GET /api/leaderboard/friends`: the caller and the visible people they follow, ranked (a hidden caller still sees themselves). */
export async function friendsBoard(app: AppContext, userId: string, input: unknown) {
  const { period } = parseOrThrow(globalQuerySchema, input);
  await ensureProfile(app, userId);
  const followed = await app.db.select({ id: follows.followeeId }).from(follows).where(eq(follows.followerId, userId)).orderBy(desc(follows.createdAt)).limit(MAX_FOLLOWS).all();
  const names = await describeUsers(app, [userId, ...followed.map((f) => f.id)]);
  // The profile setting decides, not the board row (which is absent before a first score).
  const ids = [userId, ...followed.map((f) => f.id).filter((id) => names.has(id) && !names.get(id)!.hidden)];
  const scores = await board(app, period).scoresOf(ids);
  const ranked = scores.sort((a, b) => b.score - a.score || (a.reachedAt ?? Infinity) - (b.reachedAt ?? Infinity) || a.userId.localeCompare(b.userId));
  return { period, items: ranked.map((s, i) => rowOf(names, userId, { rank: i + 1, userId: s.userId, score: s.score })) };
}

export const followSchema = z.object({ handle: handleSchema }).strict();

/** A learner others may see: the profile exists and is not hidden (the caller always sees themselves). */
async function visibleLearner(app: Pick<AppContext, "db">, viewerId: string, handle: string) {
  const target = await findProfileByHandle(app, handle);
  if (!target || (target.hiddenFromBoards && target.userId !== viewerId)) return null;
  return target;
}

/**
 * Follows a learner by handle (idempotent). Hidden learners are not followable (404, like an
 * unknown handle). The limit is enforced by the insert itself: one INSERT … SELECT … WHERE
 * (count) < limit, which D1 runs as one statement, so concurrent follows cannot pass it.
 */
export async function follow(app: AppContext, userId: string, input: unknown) {
  const { handle } = parseOrThrow(followSchema, input);
  const target = await visibleLearner(app, userId, handle);
  if (!target) throw AppError.notFound("Learner");
  if (target.userId === userId) throw AppError.validation({ handle: ["You cannot follow yourself"] });
  const inserted = await app.db.run(sql`
    INSERT INTO follows (follower_id, followee_id, created_at)
    SELECT ${userId}, ${target.userId}, ${now()}
    WHERE (SELECT count(*) FROM follows WHERE follower_id = ${userId}) < ${MAX_FOLLOWS}
    ON CONFLICT (follower_id, followee_id) DO NOTHING`);
  if (inserted.meta.changes === 0 && !(await isFollowing(app, userId, target.userId))) {
    throw new AppError("conflict", `You can follow at most ${MAX_FOLLOWS} learners.`, { details: { reason: "limit_reached", limit: MAX_FOLLOWS } });
  }
  app.logger.info("tokens.followed", { userId, followeeId: target.userId, created: inserted.meta.changes === 1 });
  return { following: { handle: target.handle, name: target.name } };
}

/** Stops following. An unknown or hidden handle is 404 and deletes nothing. */
export async function unfollow(app: AppContext, userId: string, handle: string) {
  const target = await visibleLearner(app, userId, handle);
  if (!target) throw AppError.notFound("Learner");
  await app.db.delete(follows).where(and(eq(follows.followerId, userId), eq(follows.followeeId, target.userId))).run();
  return { unfollowed: target.handle };
}

/** Who the caller follows, newest first; learners who have hidden themselves are left out. */
export async function listFollowing(app: Pick<AppContext, "db">, userId: string) {
  return app.db
    .select({ handle: learnerProfiles.handle, name: users.name, since: follows.createdAt })
    .from(follows)
    .innerJoin(learnerProfiles, eq(learnerProfiles.userId, follows.followeeId))
    .innerJoin(users, eq(users.id, follows.followeeId))
    .where(and(eq(follows.followerId, userId), eq(learnerProfiles.hiddenFromBoards, false)))
    .orderBy(desc(follows.createdAt))
    .limit(MAX_FOLLOWS)
    .all();
}

export async function isFollowing(app: Pick<AppContext, "db">, userId: string, followeeId: string) {
  return !!(await app.db.select({ f: follows.followerId }).from(follows).where(and(eq(follows.followerId, userId), eq(follows.followeeId, followeeId))).get());
}

/** A learner's public profile by handle: null (404) when unknown or hidden, unless it is the viewer. */
export async function publicProfile(app: Pick<AppContext, "db">, viewerId: string, handle: string) {
  const learner = await visibleLearner(app, viewerId, handle);
  if (!learner) return null;
  return {
    learner: { name: learner.name, handle: learner.handle, hidden: learner.hiddenFromBoards },
    isYou: learner.userId === viewerId,
    following: learner.userId === viewerId ? false : await isFollowing(app, viewerId, learner.userId),
  };
}

/**
 * Changes the learner's profile; hiding (or showing) also updates this week's and the all-time
 * board at once and every later push from the wallet.
 */
export async function saveProfile(app: AppContext, userId: string, input: unknown) {
  // Refusals before any write (not even a first-use profile).
  const changes = parseOrThrow(profileUpdateSchema, input);
  await assertHandleFree(app, userId, changes.handle);
  const before = await ensureProfile(app, userId);
  const profile = await updateProfile(app, userId, changes);
  if (profile.hiddenFromBoards !== before.hiddenFromBoards) {
    const hidden = profile.hiddenFromBoards;
    await walletFor(app, userId).setHidden({ userId, hidden });
    await Promise.all(BOARD_PERIODS.map((p) => board(app, p).setHidden(userId, hidden)));
    app.logger.info("tokens.visibility_changed", { userId, hidden });
  }
  return profile;
}

import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { REWARD_POLICY } from "~/modules/tokens/config";
import { chunk } from "~/utils/db.server";
import { createId } from "~/utils/ids";
import { follows, learnerProfiles, users } from "~drizzle/schema";
import { db, jsonBody, signedInAs } from "../helpers";

// Issue 31: the follow limit is enforced by the insert itself, so concurrent follows cannot pass it.

/** `n` learners with profiles, inserted in chunks that keep every statement under D1's 100 bound parameters. */
async function learners(n: number, tag: string) {
  const t = Date.now();
  const rows = Array.from({ length: n }, (_, i) => ({
    id: createId("user"),
    email: `follow-${tag}-${i}-${crypto.randomUUID().slice(0, 6)}@example.test`,
    name: `Learner ${i}`,
    passwordHash: "!",
    role: "student" as const,
    createdAt: t,
    updatedAt: t,
  }));
  await db().batch(chunk(rows, 14).map((part) => db().insert(users).values(part)) as [never]);
  const profiles = rows.map((u, i) => ({ userId: u.id, handle: `${tag}-${i}-${u.id.slice(-6)}`, timeZone: "UTC", hiddenFromBoards: false, createdAt: t, updatedAt: t }));
  await db().batch(chunk(profiles, 16).map((part) => db().insert(learnerProfiles).values(part)) as [never]);
  return profiles;
}

const followCount = async (userId: string) => (await db().get<{ n: number }>(sql`select count(*) as n from follows where follower_id = ${userId}`))!.n;

describe("follow limit", () => {
  it("20 follows at once past the limit: the limit holds", async () => {
    const max = REWARD_POLICY.maxFollows;
    const { browser, user } = await signedInAs("student");
    const already = await learners(max - 5, "old");
    await db().batch(chunk(already, 33).map((part) => db().insert(follows).values(part.map((p) => ({ followerId: user.id, followeeId: p.userId, createdAt: Date.now() })))) as [never]);
    expect(await followCount(user.id)).toBe(max - 5);

    const targets = await learners(20, "new");
    const results = await Promise.all(targets.map((t) => browser.json("/api/leaderboard/follows", jsonBody({ handle: t.handle }))));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(15);
    for (const r of results.filter((r) => r.status === 409)) expect(r.body.error.details).toEqual({ reason: "limit_reached", limit: max });
    expect(await followCount(user.id)).toBe(max);

    // Following someone already followed is still fine at the limit (idempotent), and a new one is not.
    const followed = results.findIndex((r) => r.status === 201);
    expect((await browser.json("/api/leaderboard/follows", jsonBody({ handle: targets[followed]!.handle }))).status).toBe(201);
    const refused = results.findIndex((r) => r.status === 409);
    expect((await browser.json("/api/leaderboard/follows", jsonBody({ handle: targets[refused]!.handle }))).status).toBe(409);
    // After an unfollow there is room for exactly one.
    expect((await browser.fetch(`/api/leaderboard/follows/${targets[followed]!.handle}`, { method: "DELETE" })).status).toBe(204);
    const retry = await Promise.all(targets.slice(0, 10).map((t) => browser.json("/api/leaderboard/follows", jsonBody({ handle: t.handle }))));
    expect(await followCount(user.id)).toBe(max);
    expect(retry.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(1);
    expect(await db().select().from(follows).where(eq(follows.followerId, user.id)).all()).toHaveLength(max);
  });
});

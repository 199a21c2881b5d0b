import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { enrollments, follows, learnerProfiles, payments } from "~drizzle/schema";
import { db, insertUser, jsonBody, signedInAs } from "../helpers";
import { insertCourse } from "../marketplace/helpers";
import { credit, leaderboard, patchJson, profileOf, wallet } from "./helpers";

// Issue 31, "Privacy by the profile setting" and "Error answers change nothing".

describe("hidden means hidden everywhere, whatever the board rows say", () => {
  it("a learner who hid before scoring is on no friends board, cannot be followed, and has no public profile", async () => {
    const me = await signedInAs("student");
    const shy = await signedInAs("student");
    const stranger = await signedInAs("student");
    const handle = (await shy.browser.json("/api/tokens/profile")).body.handle as string;
    expect((await me.browser.json("/api/leaderboard/follows", jsonBody({ handle }))).status).toBe(201);

    // Hidden before any score: no board row exists, so the board's own flag cannot say "hidden".
    expect((await shy.browser.json("/api/tokens/profile", patchJson({ hiddenFromBoards: true }))).status).toBe(200);
    for (const period of ["week", "all"]) {
      const friends = await me.browser.json(`/api/leaderboard/friends?period=${period}`);
      expect(friends.body.items.map((r: { handle: string }) => r.handle), period).toEqual([(await profileOf(me.user.id)).handle]);
    }
    // They still see themselves.
    expect((await shy.browser.json("/api/leaderboard/friends")).body.items.map((r: { handle: string }) => r.handle)).toEqual([handle]);
    expect((await me.browser.json("/api/leaderboard/follows")).body.items).toEqual([]);

    // Not followable, like an unknown handle, and nothing written.
    const refused = await stranger.browser.json("/api/leaderboard/follows", jsonBody({ handle }));
    expect(refused.status).toBe(404);
    expect(await db().select().from(follows).where(eq(follows.followerId, stranger.user.id)).all()).toEqual([]);
    expect((await stranger.browser.submit(`/learners/${handle}`, { intent: "follow" })).status).toBe(404);

    // No public profile, except to themselves.
    expect((await stranger.browser.fetch(`/learners/${handle}`)).status).toBe(404);
    expect((await me.browser.fetch(`/learners/${handle}`)).status).toBe(404);
    expect((await shy.browser.fetch(`/learners/${handle}`)).status).toBe(200);

    // Unfollowing a hidden handle is a 404 that deletes nothing (the follow comes back if they show themselves again).
    expect((await me.browser.fetch(`/api/leaderboard/follows/${handle}`, { method: "DELETE" })).status).toBe(404);
    expect(await db().select().from(follows).where(eq(follows.followerId, me.user.id)).all()).toHaveLength(1);
  });

  it("keeps a hidden learner off the global board even when the board still counts them as visible", async () => {
    const viewer = await signedInAs("student");
    const shy = await insertUser();
    await credit(shy.id, 7_000_000_000);
    await wallet(shy.id).flush();
    const { handle } = await profileOf(shy.id);
    await db().update(learnerProfiles).set({ hiddenFromBoards: true }).where(eq(learnerProfiles.userId, shy.id)).run();
    // The board's row says visible (as after a lost visibility update).
    await leaderboard("all").setHidden(shy.id, false);
    const board = await viewer.browser.json("/api/leaderboard/global?period=all&limit=5");
    expect(board.status).toBe(200);
    expect(board.body.top.map((r: { handle: string }) => r.handle)).not.toContain(handle);
    expect(board.body.top.every((r: { score: number }) => r.score < 7_000_000_000)).toBe(true);
    expect(board.body.top.map((r: { rank: number }) => r.rank)).toEqual(board.body.top.map((_: unknown, i: number) => i + 1));
  });
});

describe("public lists carry handles, never user ids", () => {
  it("global and friends boards and the follow list name learners by handle only", async () => {
    const me = await signedInAs("student");
    const other = await signedInAs("student");
    await credit(me.user.id, 40);
    await credit(other.user.id, 60);
    await Promise.all([wallet(me.user.id).flush(), wallet(other.user.id).flush()]);
    const otherHandle = (await other.browser.json("/api/tokens/profile")).body.handle;
    await me.browser.json("/api/leaderboard/follows", jsonBody({ handle: otherHandle }));
    for (const path of ["/api/leaderboard/global?period=week&limit=100", "/api/leaderboard/global?period=all&limit=100", "/api/leaderboard/friends", "/api/leaderboard/follows"]) {
      const res = await me.browser.json(path);
      expect(res.status, path).toBe(200);
      expect(JSON.stringify(res.body), path).not.toMatch(/usr_[0-9a-z]{26}/);
    }
    const friends = await me.browser.json("/api/leaderboard/friends");
    expect(friends.body.items).toEqual([
      { rank: 1, name: "Test User", handle: otherHandle, score: 60, isYou: false },
      { rank: 2, name: "Test User", handle: (await profileOf(me.user.id)).handle, score: 40, isYou: true },
    ]);
    const page = await (await me.browser.fetch("/leaderboard?board=friends")).text();
    expect(page).toContain(otherHandle);
    expect(page).not.toContain(other.user.id);
  });
});

describe("handles", () => {
  it("a new learner's handle says nothing of their name until they choose one", async () => {
    const { browser } = await signedInAs("student");
    const named = await insertUser("student", { name: "Grace Brewster Hopper" });
    const handles = [(await browser.json("/api/tokens/profile")).body.handle, (await profileOf(named.id)).handle];
    for (const handle of handles) {
      expect(handle).toMatch(/^learner-[a-z2-9]{7}$/);
      expect(handle).not.toMatch(/grace|hopper|test|user/);
    }
    expect(handles[0]).not.toBe(handles[1]);
    // Choosing one is up to them.
    expect((await browser.json("/api/tokens/profile", patchJson({ handle: "amazing-grace" }))).body.handle).toBe("amazing-grace");
  });

  it("a refused profile change writes nothing, not even a first profile", async () => {
    const a = await signedInAs("student");
    await a.browser.json("/api/tokens/profile", patchJson({ handle: `taken-${crypto.randomUUID().slice(0, 6)}` }));
    const taken = (await a.browser.json("/api/tokens/profile")).body.handle;
    const b = await signedInAs("student");
    for (const body of [{ handle: taken }, { timeZone: "Mars/Olympus" }, { hiddenFromBoards: "yes" }]) {
      const res = await b.browser.json("/api/tokens/profile", patchJson(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await db().select().from(learnerProfiles).where(eq(learnerProfiles.userId, b.user.id)).all()).toEqual([]);
    }
  });
});

describe("error answers change nothing", () => {
  it("a token discount on a free course is refused before the learner is enrolled", async () => {
    const instructor = await insertUser("instructor");
    const free = await insertCourse(instructor.id, { priceAmount: 0 });
    const { browser, user } = await signedInAs("student");
    await credit(user.id, 500);
    for (const headers of [{}, { "Idempotency-Key": "free-discount" }] as Record<string, string>[]) {
      const res = await browser.json("/api/tokens/redeem", jsonBody({ item: "course_discount", courseId: free.id, tokens: 100 }, { headers }));
      expect(res.status).toBe(409);
      expect(res.body.error.details.reason).toBe("free_course");
    }
    expect(await db().select().from(enrollments).where(eq(enrollments.userId, user.id)).all()).toEqual([]);
    expect(await wallet(user.id).balance({ userId: user.id })).toEqual({ balance: 500, held: 0 });
    expect(await wallet(user.id).entries({ userId: user.id })).toHaveLength(1);
  });

  it("a token discount on a course you already have or teach writes no payment and holds nothing", async () => {
    const instructor = await signedInAs("instructor");
    const paid = await insertCourse(instructor.user.id, { priceAmount: 4000 });
    const learner = await signedInAs("student");
    const t = Date.now();
    await db().insert(enrollments).values({ id: `enr_${crypto.randomUUID().replaceAll("-", "").slice(0, 26)}`, courseId: paid.id, userId: learner.user.id, status: "active", source: "purchase", amountPaid: 4000, currency: "usd", createdAt: t, updatedAt: t }).run();
    for (const { browser, user } of [learner, instructor]) {
      await credit(user.id, 1000);
      const res = await browser.json("/api/tokens/redeem", jsonBody({ item: "course_discount", courseId: paid.id, tokens: 1000 }));
      expect(res.status).toBe(409);
      expect(res.body.error.details.reason).toBe("already_enrolled");
      expect(await db().select().from(payments).where(and(eq(payments.userId, user.id))).all()).toEqual([]);
      expect(await wallet(user.id).balance({ userId: user.id })).toEqual({ balance: 1000, held: 0 });
    }
  });
});

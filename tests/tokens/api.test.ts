import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, enrollments, learningEvents, tokenCursors, tokenTransactions } from "~drizzle/schema";
import { createId } from "~/utils/ids";
import { db, insertUser, jsonBody, signedInAs, waitFor } from "../helpers";
import { outboxFor } from "../email/helpers";
import { insertCourse } from "../marketplace/helpers";
import { sweepCourseCompletions } from "~/modules/tokens/activity.server";
import { app, credit, patchJson, profileOf, wallet } from "./helpers";

const balanceOf = async (userId: string) => (await wallet(userId).snapshot({ userId, at: Date.now(), timeZone: "UTC" })).balance;
const entryCount = async (userId: string) => (await wallet(userId).entries({ userId })).length;

describe("GET /api/tokens/balance", () => {
  it("shows balance, held, streak and freezes for a new learner", async () => {
    const { browser } = await signedInAs("student");
    const { status, body } = await browser.json("/api/tokens/balance");
    expect(status).toBe(200);
    expect(body).toMatchObject({ balance: 0, held: 0, streak: { current: 0, longest: 0, activeToday: false, timeZone: "UTC" }, freezes: { held: 0, max: 2, price: 200 } });
    expect(body.streak.days).toHaveLength(28);
  });
});

describe("POST /api/tokens/award (admin)", () => {
  it("awards and adjusts with a reason, audited, once per Idempotency-Key", async () => {
    const { browser, user: admin } = await signedInAs("admin");
    const learner = await insertUser();
    const award = (body: unknown, key?: string) => browser.json("/api/tokens/award", jsonBody(body, key ? { headers: { "Idempotency-Key": key } } : {}));
    const first = await award({ userId: learner.id, amount: 500, reason: "Contest winner" }, "award-1");
    expect(first.status).toBe(201);
    expect(first.body.entry).toMatchObject({ type: "admin_adjust", amount: 500, balanceAfter: 500 });
    const replay = await award({ userId: learner.id, amount: 500, reason: "Contest winner" }, "award-1");
    expect(replay.body.entry.id).toBe(first.body.entry.id);
    expect((await award({ userId: learner.id, amount: 400, reason: "Contest winner" }, "award-1")).status).toBe(409);
    expect((await award({ userId: learner.id, amount: -200, reason: "Correction" })).body.entry).toMatchObject({ amount: -200, balanceAfter: 300 });
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.targetId, learner.id), eq(auditLog.action, "tokens.admin_adjusted"))).all();
    expect(audit.map((a) => a.actorId)).toEqual([admin.id, admin.id]);
    expect(await balanceOf(learner.id)).toBe(300);
  });

  it("rejects bad input with the error JSON and writes nothing", async () => {
    const { browser } = await signedInAs("admin");
    const learner = await insertUser();
    await credit(learner.id, 100);
    const cases: [unknown, number][] = [
      [{ userId: learner.id, amount: 0, reason: "zero" }, 400],
      [{ userId: learner.id, amount: 1.5, reason: "fraction" }, 400],
      [{ userId: learner.id, amount: 2_000_000, reason: "too much" }, 400],
      [{ userId: learner.id, amount: -2_000_000, reason: "too much" }, 400],
      [{ userId: learner.id, amount: "10", reason: "string" }, 400],
      [{ userId: learner.id, amount: 10 }, 400],
      [{ userId: learner.id, amount: 10, reason: "x", extra: true }, 400],
      [{ userId: "usr_00000000000000000000000000", amount: 10, reason: "nobody" }, 404],
      [{ userId: learner.id, amount: -101, reason: "below zero" }, 409],
    ];
    for (const [body, status] of cases) {
      const res = await browser.json("/api/tokens/award", jsonBody(body));
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.code).toEqual(expect.any(String));
    }
    expect(await entryCount(learner.id)).toBe(1);
    expect(await balanceOf(learner.id)).toBe(100);
  });

  it("is refused to learners (403) and anonymous callers (401)", async () => {
    const { browser, user } = await signedInAs("student");
    const res = await browser.json("/api/tokens/award", jsonBody({ userId: user.id, amount: 1000, reason: "myself" }));
    expect(res.status).toBe(403);
    expect(await entryCount(user.id)).toBe(0);
  });
});

describe("POST /api/tokens/redeem", () => {
  it("buys a streak freeze once per Idempotency-Key; refuses unknown items, missing funds and a third freeze", async () => {
    const { browser, user } = await signedInAs("student");
    const redeem = (body: unknown, key?: string) => browser.json("/api/tokens/redeem", jsonBody(body, key ? { headers: { "Idempotency-Key": key } } : {}));
    const broke = await redeem({ item: "streak_freeze" });
    expect(broke.status).toBe(409);
    expect(broke.body.error.details.reason).toBe("insufficient_balance");
    for (const bad of [{ item: "pizza" }, {}, { item: "streak_freeze", extra: 1 }, { item: "course_discount", courseId: "crs_x", tokens: -5 }]) {
      const res = await redeem(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    expect(await entryCount(user.id)).toBe(0);

    await credit(user.id, 700);
    const first = await redeem({ item: "streak_freeze" }, "freeze-1");
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ item: "streak_freeze", freezes: 1, balance: 500 });
    expect((await redeem({ item: "streak_freeze" }, "freeze-1")).body.entry.id).toBe(first.body.entry.id);
    expect((await redeem({ item: "streak_freeze" }, "freeze-2")).body.freezes).toBe(2);
    const third = await redeem({ item: "streak_freeze" }, "freeze-3");
    expect(third.status).toBe(409);
    expect(third.body.error.details.reason).toBe("limit_reached");
    expect(await balanceOf(user.id)).toBe(300);
  });
});

describe("GET /api/tokens/history", () => {
  it("pages newest first, filters by type and date, and keeps other learners' history private", async () => {
    const { browser, user } = await signedInAs("student");
    for (let i = 1; i <= 5; i++) await credit(user.id, i * 10);
    await wallet(user.id).adjust({ userId: user.id, at: Date.now(), amount: -5, reason: "adjust", sourceKey: "adj" });
    await wallet(user.id).flush();
    const page1 = await browser.json("/api/tokens/history?limit=4");
    expect(page1.body.items.map((i: { amount: number }) => i.amount)).toEqual([-5, 50, 40, 30]);
    const page2 = await browser.json(`/api/tokens/history?limit=4&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toMatchObject({ items: [{ amount: 20 }, { amount: 10 }], nextCursor: null });
    expect((await browser.json("/api/tokens/history?type=admin_adjust")).body.items).toHaveLength(1);
    expect((await browser.json("/api/tokens/history?from=2000-01-01&to=2000-12-31")).body.items).toHaveLength(0);
    expect((await browser.json("/api/tokens/history?type=bogus")).status).toBe(400);
    expect((await browser.json("/api/tokens/history?limit=1000")).status).toBe(400);

    const other = await insertUser();
    expect((await browser.json(`/api/tokens/history?userId=${other.id}`)).status).toBe(403);
    const admin = await signedInAs("admin");
    expect((await admin.browser.json(`/api/tokens/history?userId=${user.id}`)).body.items).toHaveLength(6);
  });
});

describe("earning from learning", () => {
  it("completing modules and a course awards once, keeps the streak, emails the notable award and is swept by the cron", async () => {
    const instructor = await insertUser("instructor");
    // A paid course (the free-course quality bar is tests/tokens/farming.test.ts), bought earlier.
    const course = await insertCourse(instructor.id, { level: "intermediate", priceAmount: 1999 });
    const { browser, user } = await signedInAs("student");
    const t = Date.now();
    await db().insert(enrollments).values({ id: createId("enrollment"), courseId: course.id, userId: user.id, status: "active", source: "purchase", amountPaid: 1999, currency: "usd", createdAt: t, updatedAt: t }).run();
    const complete = () => browser.json(`/api/courses/${course.id}/modules/${course.moduleId}/complete`, { method: "POST" });
    await Promise.all([complete(), complete(), complete()]);
    const entries = await wallet(user.id).entries({ userId: user.id });
    expect(entries.map((e) => [e.type, e.amount, e.sourceKey])).toEqual(
      expect.arrayContaining([
        ["award", 10, `module:${course.moduleId}`],
        ["award", 150, `course_completed:${course.id}`],
      ]),
    );
    expect(entries).toHaveLength(2);
    const balance = await browser.json("/api/tokens/balance");
    expect(balance.body).toMatchObject({ balance: 160, streak: { current: 1, activeToday: true } });
    const emails = await waitFor(async () => {
      const rows = await outboxFor(user.email);
      return rows.length ? rows : null;
    });
    expect(emails.map((e) => e.subject)).toEqual(["You earned 150 tokens"]);

    // The cron sweep sees the completion event and awards nothing twice.
    await sweepCourseCompletions(app());
    expect(await entryCount(user.id)).toBe(2);
    const cursor = await db().select().from(tokenCursors).get();
    const last = await db().select().from(learningEvents).where(eq(learningEvents.userId, user.id)).get();
    expect(cursor!.value >= last!.id).toBe(true);
    await wallet(user.id).flush();
    const rows = await db().select().from(tokenTransactions).where(eq(tokenTransactions.userId, user.id)).all();
    expect(rows.reduce((s, r) => s + r.amount, 0)).toBe(160);
  });
});

describe("leaderboards and follows", () => {
  it("global board shows the top and the caller's rank; hidden learners drop off; friends board ranks who you follow", async () => {
    const me = await signedInAs("student");
    const friend = await signedInAs("student");
    const stranger = await insertUser();
    await credit(me.user.id, 300);
    await credit(friend.user.id, 9_000_000);
    await credit(stranger.id, 8_000_000);
    await Promise.all([me.user.id, friend.user.id, stranger.id].map((id) => wallet(id).flush()));

    const [meHandle, friendHandle, strangerHandle] = await Promise.all([me.user.id, friend.user.id, stranger.id].map(async (id) => (await profileOf(id)).handle));

    const global = await me.browser.json("/api/leaderboard/global?period=week&limit=2");
    expect(global.status).toBe(200);
    expect(global.body.top.map((r: { handle: string }) => r.handle)).toEqual([friendHandle, strangerHandle]);
    expect(global.body.you).toMatchObject({ handle: meHandle, score: 300, isYou: true });
    expect((await me.browser.json("/api/leaderboard/global?period=month")).status).toBe(400);
    expect((await me.browser.json("/api/leaderboard/global?limit=0")).status).toBe(400);

    const friendProfile = await friend.browser.json("/api/tokens/profile");
    const followed = await me.browser.json("/api/leaderboard/follows", jsonBody({ handle: friendProfile.body.handle }));
    expect(followed.status).toBe(201);
    expect((await me.browser.json("/api/leaderboard/follows", jsonBody({ handle: "nobody-here" }))).status).toBe(404);
    const mine = await me.browser.json("/api/tokens/profile");
    expect((await me.browser.json("/api/leaderboard/follows", jsonBody({ handle: mine.body.handle }))).status).toBe(400);
    expect((await me.browser.json("/api/leaderboard/follows", jsonBody({ handle: "!!" }))).status).toBe(400);

    const friends = await me.browser.json("/api/leaderboard/friends?period=all");
    expect(friends.body.items.map((r: { handle: string; rank: number }) => [r.handle, r.rank])).toEqual([
      [friendHandle, 1],
      [meHandle, 2],
    ]);

    // The friend hides: gone from the global board and from my friends board, still on their own.
    const hide = await friend.browser.json("/api/tokens/profile", patchJson({ hiddenFromBoards: true }));
    expect(hide.body.hiddenFromBoards).toBe(true);
    const after = await me.browser.json("/api/leaderboard/global?period=all&limit=100");
    expect(after.body.top.map((r: { handle: string }) => r.handle)).not.toContain(friendHandle);
    expect((await me.browser.json("/api/leaderboard/friends")).body.items.map((r: { handle: string }) => r.handle)).toEqual([meHandle]);
    expect((await friend.browser.json("/api/leaderboard/friends")).body.items[0].handle).toBe(friendHandle);
    expect((await friend.browser.json("/api/leaderboard/global")).body.you).toBeNull();

    // Hidden learners cannot be unfollowed by handle either (404, nothing deleted); once visible again, they can.
    expect((await me.browser.fetch(`/api/leaderboard/follows/${friendProfile.body.handle}`, { method: "DELETE" })).status).toBe(404);
    await friend.browser.json("/api/tokens/profile", patchJson({ hiddenFromBoards: false }));
    expect((await me.browser.fetch(`/api/leaderboard/follows/${friendProfile.body.handle}`, { method: "DELETE" })).status).toBe(204);
    expect((await me.browser.fetch("/api/leaderboard/follows/unknown-handle", { method: "DELETE" })).status).toBe(404);
  });

  it("profile rejects unknown time zones and taken handles", async () => {
    const a = await signedInAs("student");
    const b = await signedInAs("student");
    const patch = (browser: typeof a.browser, body: unknown) =>
      browser.json("/api/tokens/profile", { method: "PATCH", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    expect((await patch(a.browser, { timeZone: "Mars/Olympus" })).status).toBe(400);
    expect((await patch(a.browser, { timeZone: "Europe/Paris" })).body.timeZone).toBe("Europe/Paris");
    expect((await patch(a.browser, { handle: "ada-lovelace" })).status).toBe(200);
    const taken = await patch(b.browser, { handle: "ada-lovelace" });
    expect(taken.status).toBe(400);
    expect(taken.body.error.details.fieldErrors.handle).toEqual(["That handle is taken"]);
  });
});

import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { REWARD_POLICY, TOKEN_RULES } from "~/modules/tokens/config";
import { weekStart } from "~/modules/tokens/periods";
import { createId } from "~/utils/ids";
import { courseModules, enrollments } from "~drizzle/schema";
import { db, insertUser, jsonBody, signedInAs } from "../helpers";
import { insertCourse, PDF, post, uploadForm, validMetadata } from "../marketplace/helpers";
import { leaderboard, wallet } from "./helpers";

// Issue 31, "Farming-resistant rewards": the rules of REWARD_POLICY (app/modules/tokens/config.ts).

const DAY = 86_400_000;
const balanceOf = async (userId: string) => (await wallet(userId).balance({ userId })).balance;
const scoreOf = async (userId: string) => {
  await wallet(userId).flush();
  const [week] = await leaderboard(`week:${weekStart(Date.now())}`).scoresOf([userId]);
  const [all] = await leaderboard("all").scoresOf([userId]);
  return { week: week!.score, all: all!.score };
};

/** Adds modules to a course so it has `total` (the helper makes one). */
async function padModules(courseId: string, total: number) {
  const t = Date.now();
  const rows = Array.from({ length: total - 1 }, (_, i) => ({ id: createId("module"), courseId, position: i + 2, title: `Lesson ${i + 2}`, createdAt: t }));
  if (rows.length) await db().insert(courseModules).values(rows).run();
  return [...(await db().select({ id: courseModules.id }).from(courseModules).where(eq(courseModules.courseId, courseId)).all())].map((m) => m.id);
}

async function enrollDirectly(userId: string, courseId: string, source: "free" | "purchase" = "purchase") {
  const t = Date.now();
  await db().insert(enrollments).values({ id: createId("enrollment"), courseId, userId, status: "active", source, amountPaid: 0, currency: "usd", createdAt: t, updatedAt: t }).run();
}

const completeAll = (browser: Awaited<ReturnType<typeof signedInAs>>["browser"], courseId: string, moduleIds: string[]) =>
  Promise.all(moduleIds.map((m) => browser.json(`/api/courses/${courseId}/modules/${m}/complete`, { method: "POST" })));

describe("the farming scenario", () => {
  it("an account that makes itself an instructor and publishes free one-module advanced courses earns a second account nothing", async () => {
    // The farmer: a learner who turns instructor and publishes three free one-module "advanced" courses.
    const farmer = await signedInAs("student");
    expect(await (await farmer.browser.submit("/account", { intent: "become-instructor" })).text()).toContain("You are now an instructor.");
    const courseIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const upload = await farmer.browser.json(
        "/api/courses/upload",
        post(uploadForm({ ...validMetadata, title: `Advanced farming ${i + 1}`, level: "advanced", priceAmount: "0" }, [{ name: "one.pdf", bytes: PDF, title: "The only module" }])),
      );
      expect(upload.status, JSON.stringify(upload.body)).toBe(201);
      const id = upload.body.course.id as string;
      expect(await (await farmer.browser.submit(`/instructor/courses/${id}`, { intent: "status", status: "published" })).text()).toContain("The course is now published");
      courseIds.push(id);
    }

    // The second account enrolls and completes all three at once.
    const sock = await signedInAs("student");
    for (const id of courseIds) expect((await sock.browser.json("/api/courses/purchase", jsonBody({ courseId: id }))).status).toBe(201);
    const modules = await db().select().from(courseModules).all();
    const started = Date.now();
    const done = await Promise.all(courseIds.map((id) => completeAll(sock.browser, id, modules.filter((m) => m.courseId === id).map((m) => m.id))));
    expect(done.flat().every((r) => r.status === 200)).toBe(true);
    expect(Date.now() - started).toBeLessThan(30_000);

    // Below the quality bar: not a token, not a point (today's code paid 3 × (200 + 10) = 630).
    expect(await balanceOf(sock.user.id)).toBe(0);
    expect((await wallet(sock.user.id).entries({ userId: sock.user.id })).filter((e) => e.amount > 0)).toEqual([]);
    expect(await scoreOf(sock.user.id)).toEqual({ week: 0, all: 0 });
    // The streak still counts the learning (it pays no bonus for it).
    expect((await sock.browser.json("/api/tokens/balance")).body.streak.current).toBe(1);

    // Nothing to spend on other instructors' courses either.
    const other = await insertCourse((await insertUser("instructor")).id, { priceAmount: 5000 });
    const spend = await sock.browser.json("/api/tokens/redeem", jsonBody({ item: "course_discount", courseId: other.id, tokens: 2500 }));
    expect(spend.status).toBe(409);
    expect(spend.body.error.details.reason).toBe("insufficient_balance");
  });

  it("free courses that pass the bar still pay at most the free-course daily cap; the leaderboard counts only what was paid", async () => {
    const instructor = await insertUser("instructor");
    const { browser, user } = await signedInAs("student");
    const old = Date.now() - (REWARD_POLICY.freeCourseQualityBar.minPublishedDays + 1) * DAY;
    const farm = await Promise.all(
      [0, 1, 2].map(async () => {
        const c = await insertCourse(instructor.id, { level: "advanced", priceAmount: 0, publishedAt: old });
        return { id: c.id, modules: await padModules(c.id, REWARD_POLICY.freeCourseQualityBar.minModules) };
      }),
    );
    for (const c of farm) await enrollDirectly(user.id, c.id, "free");
    const done = await Promise.all(farm.map((c) => completeAll(browser, c.id, c.modules)));
    expect(done.flat().map((r) => r.status)).toEqual(Array(9).fill(200));
    // Three courses would be 3 × (200 + 3 × 10) = 690 without the cap.
    const balance = await balanceOf(user.id);
    expect(balance).toBe(REWARD_POLICY.freeCourseDailyCap);
    expect(await scoreOf(user.id)).toEqual({ week: balance, all: balance });
    const entries = await wallet(user.id).entries({ userId: user.id });
    expect(entries.some((e) => e.reason.includes("the daily limit of 250 tokens from free courses"))).toBe(true);

    // An admin award is not learning: it changes the balance, never the boards.
    const admin = await signedInAs("admin");
    expect((await admin.browser.json("/api/tokens/award", jsonBody({ userId: user.id, amount: 500, reason: "Contest winner" }))).status).toBe(201);
    expect(await balanceOf(user.id)).toBe(balance + 500);
    expect(await scoreOf(user.id)).toEqual({ week: balance, all: balance });
  });

  it("a free course below the bar pays nothing: too few modules, or too few other learners and too new", async () => {
    const instructor = await insertUser("instructor");
    const { browser, user } = await signedInAs("student");
    const bar = REWARD_POLICY.freeCourseQualityBar;
    // Enough learners but one module; enough modules but new with few learners.
    const thin = await insertCourse(instructor.id, { level: "beginner", priceAmount: 0, publishedAt: Date.now() - 100 * DAY });
    const fresh = await insertCourse(instructor.id, { level: "beginner", priceAmount: 0 });
    const freshModules = await padModules(fresh.id, bar.minModules);
    for (let i = 0; i < bar.minOtherLearners - 1; i++) await enrollDirectly((await insertUser()).id, fresh.id, "free");
    for (const c of [thin.id, fresh.id]) await enrollDirectly(user.id, c, "free");
    await completeAll(browser, thin.id, [thin.moduleId]);
    await completeAll(browser, fresh.id, freshModules);
    expect(await balanceOf(user.id)).toBe(0);

    // One more learner and the same kind of course passes.
    const popular = await insertCourse(instructor.id, { level: "beginner", priceAmount: 0 });
    const popularModules = await padModules(popular.id, bar.minModules);
    for (let i = 0; i < bar.minOtherLearners; i++) await enrollDirectly((await insertUser()).id, popular.id, "free");
    await enrollDirectly(user.id, popular.id, "free");
    await completeAll(browser, popular.id, popularModules);
    expect(await balanceOf(user.id)).toBe(TOKEN_RULES.courseCompletion.beginner + bar.minModules * TOKEN_RULES.moduleCompletion);
  });

  it("learning in your own course earns nothing", async () => {
    const { browser, user } = await signedInAs("instructor");
    const own = await insertCourse(user.id, { level: "advanced", priceAmount: 4900 });
    await enrollDirectly(user.id, own.id);
    const res = await browser.json(`/api/courses/${own.id}/modules/${own.moduleId}/complete`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await wallet(user.id).entries({ userId: user.id })).toEqual([]);
    expect(await scoreOf(user.id)).toEqual({ week: 0, all: 0 });
  });
});

describe("the daily earning cap", () => {
  it("holds when many paid courses are completed at once", async () => {
    const instructor = await insertUser("instructor");
    const { browser, user } = await signedInAs("student");
    const paid = await Promise.all(Array.from({ length: 6 }, () => insertCourse(instructor.id, { level: "advanced", priceAmount: 2900 })));
    for (const c of paid) await enrollDirectly(user.id, c.id);
    // 6 × (200 + 10) = 1,260 asked for, all at once.
    const results = await Promise.all(paid.map((c) => browser.json(`/api/courses/${c.id}/modules/${c.moduleId}/complete`, { method: "POST" })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(await balanceOf(user.id)).toBe(REWARD_POLICY.dailyEarningCap);
    expect(await scoreOf(user.id)).toEqual({ week: REWARD_POLICY.dailyEarningCap, all: REWARD_POLICY.dailyEarningCap });
    const entries = await wallet(user.id).entries({ userId: user.id });
    expect(entries.reduce((s, e) => s + e.amount, 0)).toBe(REWARD_POLICY.dailyEarningCap);
    expect(entries.filter((e) => e.amount === 0).every((e) => e.reason.includes("nothing paid: the daily limit of 1000 tokens reached"))).toBe(true);
  });

  it("is counted by the wallet per UTC day: 40 concurrent capped credits pay exactly the cap, the next day starts again", async () => {
    const user = await insertUser();
    const caps = [{ bucket: "learning", max: 300, label: "the test cap" }];
    const at = Date.parse("2026-03-10T12:00:00Z");
    const credits = await Promise.all(
      Array.from({ length: 40 }, (_, i) => wallet(user.id).credit({ userId: user.id, at, type: "award", amount: 10, reason: "Test", sourceKey: `cap:${i}`, caps })),
    );
    expect(credits.every((c) => c.ok)).toBe(true);
    expect(await balanceOf(user.id)).toBe(300);
    const next = await wallet(user.id).credit({ userId: user.id, at: at + DAY, type: "award", amount: 10, reason: "Test", sourceKey: "cap:next-day", caps });
    expect(next.ok && next.entry.amount).toBe(10);
    // A replayed source key answers the first entry and counts nothing again.
    const replay = await wallet(user.id).credit({ userId: user.id, at: at + DAY, type: "award", amount: 10, reason: "Test", sourceKey: "cap:next-day", caps });
    expect(replay.ok && replay.replayed).toBe(true);
    expect(await balanceOf(user.id)).toBe(310);
  });
});

import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createId } from "~/utils/ids";
import { courseModules } from "~drizzle/schema";
import { db, signedInAs } from "../helpers";
import { insertCourse } from "./helpers";

/** A course of the signed-in instructor with three modules: Lesson 1, lesson2, lesson3. */
async function courseWithThreeModules() {
  const instructor = await signedInAs("instructor");
  const course = await insertCourse(instructor.user.id, { title: "Knots at sea" });
  const ids = [course.moduleId];
  for (const position of [2, 3]) {
    const id = createId("module");
    await db().insert(courseModules).values({ id, courseId: course.id, position, title: `lesson${position}`, r2Key: null, fileName: null, contentType: null, sizeBytes: null, createdAt: Date.now() }).run();
    ids.push(id);
  }
  return { instructor, course, ids, page: `/instructor/courses/${course.id}` };
}

const order = async (courseId: string) =>
  (await db().select().from(courseModules).where(eq(courseModules.courseId, courseId)).orderBy(asc(courseModules.position)).all()).map((m) => [m.title, m.position]);

describe("editing modules", () => {
  it("renames a module, trimmed, and refuses an empty or too long title without changing it", async () => {
    const { instructor, course, ids, page } = await courseWithThreeModules();
    const ok = await instructor.browser.submit(page, { intent: "rename-module", moduleId: ids[1]!, title: "  Bowline and reef knot  " });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("Module renamed to “Bowline and reef knot”.");
    expect((await order(course.id))[1]).toEqual(["Bowline and reef knot", 2]);

    for (const title of ["   ", "x".repeat(121)]) {
      const bad = await instructor.browser.submit(page, { intent: "rename-module", moduleId: ids[1]!, title });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/Module title (is required|must be at most 120 characters)/);
    }
    expect((await order(course.id))[1]).toEqual(["Bowline and reef knot", 2]);
    // A module of another course is not found through this course.
    const other = await insertCourse(instructor.user.id);
    expect((await instructor.browser.submit(page, { intent: "rename-module", moduleId: other.moduleId, title: "Hijack" })).status).toBe(404);
  });

  it("moves modules up and down, refusing past the ends", async () => {
    const { instructor, course, ids, page } = await courseWithThreeModules();
    expect((await instructor.browser.submit(page, { intent: "move-module", moduleId: ids[2]!, direction: "up" })).status).toBe(200);
    expect(await order(course.id)).toEqual([["Lesson 1", 1], ["lesson3", 2], ["lesson2", 3]]);
    expect((await instructor.browser.submit(page, { intent: "move-module", moduleId: ids[0]!, direction: "down" })).status).toBe(200);
    expect(await order(course.id)).toEqual([["lesson3", 1], ["Lesson 1", 2], ["lesson2", 3]]);
    const first = await instructor.browser.submit(page, { intent: "move-module", moduleId: ids[2]!, direction: "up" });
    expect(first.status).toBe(409);
    expect(await first.text()).toContain("This module is already the first.");
    expect((await instructor.browser.submit(page, { intent: "move-module", moduleId: ids[1]!, direction: "down" })).status).toBe(409);
    expect((await instructor.browser.submit(page, { intent: "move-module", moduleId: ids[1]!, direction: "sideways" })).status).toBe(400);
    // The editor lists them in that order, each with a preview link.
    const html = await (await instructor.browser.fetch(page)).text();
    expect(html.indexOf('value="lesson3"')).toBeLessThan(html.indexOf('value="Lesson 1"'));
    expect(html).toContain(`href="/courses/${course.slug}/learn/${ids[0]}"`);
  });

  it("two moves at once never leave two modules on one position", async () => {
    const { instructor, course, ids, page } = await courseWithThreeModules();
    const answers = await Promise.all([
      instructor.browser.submit(page, { intent: "move-module", moduleId: ids[1]!, direction: "up" }),
      instructor.browser.submit(page, { intent: "move-module", moduleId: ids[1]!, direction: "down" }),
      instructor.browser.submit(page, { intent: "move-module", moduleId: ids[0]!, direction: "down" }),
    ]);
    expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true);
    expect(answers.some((a) => a.status === 200)).toBe(true);
    const positions = (await order(course.id)).map(([, p]) => p);
    expect(new Set(positions).size).toBe(3);
    expect([...positions].sort()).toEqual([1, 2, 3]);
  });

  it("only the course's instructor edits its modules; the instructor previews them as learners see them", async () => {
    const { instructor, course, ids, page } = await courseWithThreeModules();
    const stranger = await signedInAs("instructor");
    expect((await stranger.browser.submit(page, { intent: "rename-module", moduleId: ids[0]!, title: "Mine now" })).status).toBe(403);
    expect((await stranger.browser.submit(page, { intent: "move-module", moduleId: ids[1]!, direction: "up" })).status).toBe(403);
    expect(await order(course.id)).toEqual([["Lesson 1", 1], ["lesson2", 2], ["lesson3", 3]]);

    const preview = await (await instructor.browser.fetch(`/courses/${course.slug}/learn/${ids[0]}`)).text();
    expect(preview).toContain('data-testid="module-preview"');
    expect(preview).toContain(`href="/instructor/courses/${course.id}"`);
    const learner = await signedInAs("student");
    await learner.browser.submit(`/courses/${course.slug}`, { intent: "enroll" });
    const learnerView = await learner.browser.fetch(`/courses/${course.slug}/learn/${ids[0]}`);
    expect(learnerView.status).toBe(200);
    expect(await learnerView.text()).not.toContain('data-testid="module-preview"');
  });
});

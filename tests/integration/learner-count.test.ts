import { describe, expect, it } from "vitest";
import { insertCourse } from "../marketplace/helpers";
import { Browser, insertUser, signedInAs } from "../helpers";

/** The learner count as the catalog list, the course API and the course page each show it. */
async function shownCounts(course: { id: string; slug: string; title: string }) {
  const browser = new Browser();
  const list = await browser.json(`/api/courses/list?q=${encodeURIComponent(course.title)}&limit=50`);
  const listed = (list.body.items as { id: string; enrollmentCount: number }[]).find((c) => c.id === course.id)!.enrollmentCount;
  const api = (await browser.json(`/api/courses/${course.id}`)).body.course.enrollmentCount as number;
  const page = await (await browser.fetch(`/courses/${course.slug}`)).text();
  const onPage = Number(/(\d+)\s*(?:<!-- -->\s*)?learners/.exec(page)?.[1]);
  const catalog = await (await browser.fetch(`/courses?q=${encodeURIComponent(course.title)}`)).text();
  const inCatalog = Number(/(\d+)\s*(?:<!-- -->\s*)?learners/.exec(catalog)?.[1]);
  return { listed, api, onPage, inCatalog };
}

describe("a course's learner count", () => {
  it("is the number of active enrollments, the same on the catalog and the course page", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { priceAmount: 0, title: `Learner count course ${crypto.randomUUID().slice(0, 8)}` });
    expect(await shownCounts(course)).toEqual({ listed: 0, api: 0, onPage: 0, inCatalog: 0 });
    const learners = await Promise.all([signedInAs("student"), signedInAs("student"), signedInAs("student")]);
    await Promise.all(learners.map((l) => l.browser.submit(`/courses/${course.slug}`, { intent: "enroll" })));
    expect(await shownCounts(course)).toEqual({ listed: 3, api: 3, onPage: 3, inCatalog: 3 });
    // Enrolling again changes nothing; the instructor is not a learner.
    await learners[0]!.browser.submit(`/courses/${course.slug}`, { intent: "enroll" });
    expect(await shownCounts(course)).toEqual({ listed: 3, api: 3, onPage: 3, inCatalog: 3 });
  });
});

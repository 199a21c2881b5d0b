import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { courses } from "~drizzle/schema";
import { Browser, db, insertUser, signedInAs } from "../helpers";
import { insertCourse } from "../marketplace/helpers";

// The edge cache (workers/edge-cache.ts) through the real Worker: caches.default, real D1 and the
// version triggers of migration 0010.
const edgeOutcome = (res: Response) => res.headers.get("X-Edge-Cache");

describe("edge cache of anonymous pages", () => {
  it("serves a course page from the cache with each visitor's own CSRF token", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { title: "Cached course" });
    const first = new Browser();
    const miss = await first.fetch(`/courses/${course.slug}`);
    expect(miss.status).toBe(200);
    expect(edgeOutcome(miss)).toBe("MISS");
    expect(miss.headers.get("Cache-Control")).toBe("private, no-cache");
    expect(miss.headers.get("Vary")).toBe("Cookie");
    expect(await miss.text()).toContain(first.cookies.get("__csrf"));

    const second = new Browser();
    const hit = await second.fetch(`/courses/${course.slug}`);
    expect(edgeOutcome(hit)).toBe("HIT");
    const html = await hit.text();
    expect(html).toContain("Cached course");
    // The cached copy was rendered for someone else: the token in it is this browser's own.
    expect(second.cookies.get("__csrf")).toMatch(/^[0-9a-f]{32}$/);
    expect(html).toContain(second.cookies.get("__csrf"));
    expect(html).not.toContain(first.cookies.get("__csrf"));
    expect(html).not.toContain("__edge_csrf_placeholder");
  });

  it("keeps one copy per reader locale and time zone (pages print money and dates for them)", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { title: "Priced course", priceAmount: 123456 });
    const visit = (language: string, timeZone?: string) =>
      new Browser().fetch(`/courses/${course.slug}`, { headers: { "Accept-Language": language, ...(timeZone ? { Cookie: `tz=${timeZone}` } : {}) } });
    const german = await visit("de-DE");
    expect(edgeOutcome(german)).toBe("MISS");
    expect(await german.text()).toContain("1.234,56");
    const american = await visit("en-US");
    expect(edgeOutcome(american)).toBe("MISS");
    expect(await american.text()).toContain("1,234.56");
    expect(edgeOutcome(await visit("en-US", "Australia/Sydney"))).toBe("MISS");
    const again = await visit("de-DE");
    expect(edgeOutcome(again)).toBe("HIT");
    expect(await again.text()).toContain("1.234,56");
  });

  it("is refreshed after the course is edited, reviewed or unpublished", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { title: "Before the edit", priceAmount: 0 });
    const anon = () => new Browser().fetch(`/courses/${course.slug}`);
    expect(edgeOutcome(await anon())).toBe("MISS");
    expect(edgeOutcome(await anon())).toBe("HIT");

    // Edited (any write path: the version is bumped by a trigger).
    await db().update(courses).set({ title: "After the edit" }).where(eq(courses.id, course.id));
    const edited = await anon();
    expect(edgeOutcome(edited)).toBe("MISS");
    expect(await edited.text()).toContain("After the edit");
    expect(edgeOutcome(await anon())).toBe("HIT");

    // Reviewed, through the real page forms.
    const learner = await signedInAs("student");
    expect((await learner.browser.submit(`/courses/${course.slug}`, { intent: "enroll" })).status).toBe(200);
    expect((await learner.browser.submit(`/courses/${course.slug}`, { intent: "review", rating: "5", body: "Loved it" })).status).toBe(200);
    const reviewed = await anon();
    expect(edgeOutcome(reviewed)).toBe("MISS");
    expect(await reviewed.text()).toContain("Loved it");

    // Unpublished by its instructor: anonymous visitors get a 404 at once, which is not stored.
    const instructor = new Browser();
    await instructor.login(owner.email);
    expect((await instructor.submit(`/courses/${course.slug}`, { intent: "unpublish", confirm: "yes" })).status).toBe(200);
    const gone = await anon();
    expect(gone.status).toBe(404);
    expect(edgeOutcome(gone)).toBe("BYPASS");
  });

  it("never looks up nor stores signed-in responses", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { title: "Signed-in view" });
    const learner = await signedInAs("student");
    for (let i = 0; i < 2; i++) {
      const res = await learner.browser.fetch(`/courses/${course.slug}`);
      expect(res.status).toBe(200);
      expect(edgeOutcome(res)).toBeNull();
      expect(res.headers.get("Cache-Control")).toBe("private, no-store");
      expect(res.headers.get("Vary")).toContain("Cookie");
      expect(await res.text()).toContain("Log out");
    }
    // The signed-in renders stored nothing: the first anonymous visit is a miss.
    const anon = await new Browser().fetch(`/courses/${course.slug}`);
    expect(edgeOutcome(anon)).toBe("MISS");
    expect(await anon.text()).not.toContain("Log out");
    // A signed-in visitor after it is not served the anonymous copy either.
    const after = await learner.browser.fetch(`/courses/${course.slug}`);
    expect(edgeOutcome(after)).toBeNull();
  });

  it("caches the catalog per filter set, home, pricing and the share image", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { title: "Catalog entry", category: "data" });
    for (const path of ["/", "/pricing", "/courses", "/courses?category=data&sort=price_asc", `/courses/${course.slug}/og.png`]) {
      const miss = await new Browser().fetch(path);
      expect([path, miss.status, edgeOutcome(miss)]).toEqual([path, 200, "MISS"]);
      await miss.arrayBuffer();
      const hit = await new Browser().fetch(path);
      expect([path, edgeOutcome(hit)]).toEqual([path, "HIT"]);
      await hit.arrayBuffer();
    }
    // The same filters in another order are the same page.
    expect(edgeOutcome(await new Browser().fetch("/courses?sort=price_asc&category=data"))).toBe("HIT");
    const image = await new Browser().fetch(`/courses/${course.slug}/og.png`);
    expect(image.headers.get("Content-Type")).toBe("image/png");
    expect(image.headers.get("Cache-Control")).toBe("public, max-age=3600");
    // A new course in the catalog retires the cached catalog.
    await insertCourse(owner.id, { title: "Newer entry", category: "data" });
    const refreshed = await new Browser().fetch("/courses?category=data&sort=price_asc");
    expect(edgeOutcome(refreshed)).toBe("MISS");
    expect(await refreshed.text()).toContain("Newer entry");
  });
});

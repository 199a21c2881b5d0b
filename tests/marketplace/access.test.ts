import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createId } from "~/utils/ids";
import { courseModules, courses, enrollments, learningEvents } from "~drizzle/schema";
import { Browser, db, insertUser, jsonBody, signedInAs } from "../helpers";
import { insertCourse, PDF } from "./helpers";

async function enrolledLearner(courseId: string) {
  const learner = await signedInAs("student");
  const res = await learner.browser.json("/api/courses/purchase", jsonBody({ courseId }));
  expect(res.status).toBe(201);
  return learner;
}

describe("course files", () => {
  it("are served from R2 to enrolled learners, the instructor and admins only", async () => {
    const owner = await signedInAs("instructor");
    const course = await insertCourse(owner.user.id, { priceAmount: 0 });
    const url = `/api/courses/${course.id}/modules/${course.moduleId}/file`;
    const learner = await enrolledLearner(course.id);
    const admin = await signedInAs("admin");
    for (const who of [learner, owner, admin]) {
      const res = await who.browser.fetch(url);
      expect(res.status, who.user.role).toBe(200);
      expect(res.headers.get("Content-Type")).toBe("application/pdf");
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(PDF);
    }
    const ranged = await learner.browser.fetch(url, { headers: { Range: "bytes=0-4" } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe("%PDF-");

    const stranger = await signedInAs("student");
    const otherInstructor = await signedInAs("instructor");
    for (const who of [stranger, otherInstructor]) {
      const res = await who.browser.json(url);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    expect((await new Browser().json(url)).status).toBe(401);
    expect((await learner.browser.json(`/api/courses/${course.id}/modules/${createId("module")}/file`)).status).toBe(404);
    expect((await learner.browser.json(`/api/courses/${course.id}/modules/bad-id/file`)).status).toBe(400);
  });

  it("a module of another course is not reachable through this course", async () => {
    const owner = await insertUser("instructor");
    const a = await insertCourse(owner.id, { priceAmount: 0 });
    const b = await insertCourse(owner.id, { priceAmount: 0 });
    const learner = await enrolledLearner(a.id);
    expect((await learner.browser.json(`/api/courses/${a.id}/modules/${b.moduleId}/file`)).status).toBe(404);
  });

  it("a revoked enrollment loses access; drafts are hidden from learners", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { priceAmount: 0 });
    const learner = await enrolledLearner(course.id);
    await db().update(enrollments).set({ status: "revoked" }).where(eq(enrollments.courseId, course.id)).run();
    expect((await learner.browser.json(`/api/courses/${course.id}/modules/${course.moduleId}/file`)).status).toBe(403);
    const draft = await insertCourse(owner.id, { status: "draft" });
    expect((await learner.browser.json(`/api/courses/${draft.id}/modules/${draft.moduleId}/file`)).status).toBe(404);
    expect((await learner.browser.json(`/api/courses/${draft.id}`)).status).toBe(404);
  });
});

describe("progress and completion", () => {
  it("marks modules complete idempotently and records one completion event", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { priceAmount: 0 });
    const second = createId("module");
    await db().insert(courseModules).values({ id: second, courseId: course.id, position: 2, title: "Lesson 2", r2Key: null, fileName: null, contentType: null, sizeBytes: null, createdAt: Date.now() }).run();
    const learner = await enrolledLearner(course.id);
    const complete = (moduleId: string) => learner.browser.json(`/api/courses/${course.id}/modules/${moduleId}/complete`, { method: "POST" });

    const first = await complete(course.moduleId);
    expect(first.status).toBe(200);
    expect(first.body.progress).toMatchObject({ totalModules: 2, completedModuleIds: [course.moduleId], completed: false });
    await complete(course.moduleId);
    const done = await complete(second);
    expect(done.body.progress).toMatchObject({ totalModules: 2, completed: true, completedAt: expect.any(Number) });
    await complete(second);
    const events = await db().select().from(learningEvents).where(and(eq(learningEvents.courseId, course.id), eq(learningEvents.userId, learner.user.id))).all();
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe("course_completed");
    const enrollment = await db().select().from(enrollments).where(eq(enrollments.courseId, course.id)).get();
    expect(enrollment!.completedAt).toEqual(expect.any(Number));

    const owner2 = await signedInAs("student");
    expect((await owner2.browser.json(`/api/courses/${course.id}/modules/${second}/complete`, { method: "POST" })).status).toBe(403);
  });
});

describe("reviews", () => {
  it("only enrolled learners review, once per course (editable), and aggregates follow", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { priceAmount: 0 });
    const path = `/api/courses/${course.id}/reviews`;
    const outsider = await signedInAs("student");
    expect((await outsider.browser.json(path, jsonBody({ rating: 5, body: "Great" }))).status).toBe(403);

    const a = await enrolledLearner(course.id);
    const b = await enrolledLearner(course.id);
    const created = await a.browser.json(path, jsonBody({ rating: 5, body: "Excellent course" }));
    expect(created.status).toBe(201);
    expect(created.body.review).toMatchObject({ rating: 5, body: "Excellent course", author: { id: a.user.id } });
    expect((await b.browser.json(path, jsonBody({ rating: 2 }))).status).toBe(201);
    let row = await db().select().from(courses).where(eq(courses.id, course.id)).get();
    expect(row).toMatchObject({ ratingCount: 2, ratingSum: 7, ratingAvg: 350 });

    const edited = await a.browser.json(path, jsonBody({ rating: 4, body: "Very good, on reflection" }));
    expect(edited.status).toBe(200);
    row = await db().select().from(courses).where(eq(courses.id, course.id)).get();
    expect(row).toMatchObject({ ratingCount: 2, ratingSum: 6, ratingAvg: 300 });

    for (const body of [{ rating: 0 }, { rating: 6 }, { rating: 4.5 }, { rating: "x" }, {}, { rating: 3, body: "x".repeat(2001) }, { rating: 3, extra: 1 }]) {
      const res = await b.browser.json(path, jsonBody(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    expect((await b.browser.json(path, { method: "POST", body: "{", headers: { "Content-Type": "application/json" } })).status).toBe(400);

    const page1 = await new Browser().json(`${path}?limit=1`);
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(1);
    expect(page1.body.rating).toEqual({ average: 3, count: 2 });
    const page2 = await new Browser().json(`${path}?limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    expect([page1.body.items[0].id, page2.body.items[0].id].sort()).toHaveLength(2);
    expect((await new Browser().json(`${path}?limit=500`)).status).toBe(400);
    expect((await new Browser().json(`/api/courses/${createId("course")}/reviews`)).status).toBe(404);
  });
});

describe("pages", () => {
  it("course page shows modules, instructor, rating, buy button and OG tags; draft is 404", async () => {
    const owner = await insertUser("instructor", { name: "Olga Owner" });
    const course = await insertCourse(owner.id, { priceAmount: 2500, title: "Rust from zero", ratingAvg: 450, ratingCount: 2 });
    const res = await new Browser().fetch(`/courses/${course.slug}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Rust from zero");
    expect(html).toContain("Olga Owner");
    expect(html).toContain("Lesson 1");
    expect(html).toContain("Rated 4.5 out of 5 from 2 reviews");
    expect(html).toMatch(/Buy for (<!-- -->)?\$25\.00/);
    expect(html).toContain(`/courses/${course.slug}/og.png`);
    const draft = await insertCourse(owner.id, { status: "draft" });
    expect((await new Browser().fetch(`/courses/${draft.slug}`)).status).toBe(404);
  });

  it("renders the share image as a PNG with the bundled font", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { title: "Share me <please> & thanks" });
    const res = await new Browser().fetch(`/courses/${course.slug}/og.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/png");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(bytes.byteLength).toBeGreaterThan(5000);
    const draft = await insertCourse(owner.id, { status: "draft" });
    expect((await new Browser().fetch(`/courses/${draft.slug}/og.png`)).status).toBe(404);
  });

  it("free enrollment, module page and completion work as plain form posts", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { priceAmount: 0 });
    const learner = await signedInAs("student");
    // Not enrolled yet: the course page, with its Enroll button and the reason.
    const refused = await learner.browser.fetch(`/courses/${course.slug}/learn/${course.moduleId}`);
    expect(refused.status).toBe(302);
    expect(refused.headers.get("Location")).toBe(`/courses/${course.slug}?enroll=required`);
    const enrolled = await learner.browser.submit(`/courses/${course.slug}`, { intent: "enroll" });
    expect(enrolled.status).toBe(200);
    expect(await enrolled.text()).toContain("You are enrolled");
    const page = await learner.browser.fetch(`/courses/${course.slug}/learn/${course.moduleId}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`/api/courses/${course.id}/modules/${course.moduleId}/file`);
    const completed = await learner.browser.submit(`/courses/${course.slug}/learn/${course.moduleId}`, {});
    expect(await completed.text()).toContain("Course completed");
    const reviewed = await learner.browser.submit(`/courses/${course.slug}`, { intent: "review", rating: "4", body: "Nice" });
    expect(await reviewed.text()).toContain("Thanks for your review!");
  });

  it("the upload form works without JavaScript, keeps input on errors and checks CSRF first", async () => {
    const { browser, user } = await signedInAs("instructor");
    const csrf = await browser.csrf();
    const form = (fields: Record<string, string>, withFile = true) => {
      const f = new FormData();
      for (const [k, v] of Object.entries(fields)) f.append(k, v);
      if (withFile) f.append("files", new File([PDF as BlobPart], "intro.pdf"));
      return f;
    };
    const fields = { csrf, title: "Form-made course", description: "Made through the plain HTML upload form.", category: "data", level: "beginner", language: "en", price: "12.50", currency: "usd" };
    const bad = await browser.fetch("/instructor/courses/new", { method: "POST", body: form({ ...fields, price: "12.505" }) });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain("Form-made course");
    // The page speaks of typed prices, not the API's minor units.
    expect(html).toMatch(/Enter 0 for a free course, or a price like 19\.99 between \$1\.00 and \$1,000\.00/);
    expect(html).not.toContain("minor units");
    const forged = await browser.fetch("/instructor/courses/new", { method: "POST", body: form({ ...fields, csrf: "0".repeat(32) }) });
    expect(forged.status).toBe(403);
    const ok = await browser.fetch("/instructor/courses/new", { method: "POST", body: form(fields) });
    expect(ok.status).toBe(302);
    const created = await db().select().from(courses).where(eq(courses.instructorId, user.id)).all();
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ priceAmount: 1250, status: "draft" });
    expect(ok.headers.get("Location")).toBe(`/instructor/courses/${created[0]!.id}?uploaded=1`);
    const listed = await env.UPLOADS.list({ prefix: "modules/" });
    expect(listed.objects.length).toBeGreaterThan(0);
    const publish = await browser.submit(`/instructor/courses/${created[0]!.id}`, { intent: "status", status: "published" });
    expect(await publish.text()).toContain("The course is now published");
    expect((await browser.fetch("/instructor")).status).toBe(200);
  });
});

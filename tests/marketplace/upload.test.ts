import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { courseModules, courses } from "~drizzle/schema";
import { db, signedInAs } from "../helpers";
import { PDF, PNG, post, r2Keys, uploadForm, validMetadata } from "./helpers";

async function upload(fields: Record<string, string>, files: Parameters<typeof uploadForm>[1] = [], who?: Awaited<ReturnType<typeof signedInAs>>) {
  const { browser, user } = who ?? (await signedInAs("instructor"));
  const before = await r2Keys();
  const res = await browser.json("/api/courses/upload", post(uploadForm(fields, files)));
  return { ...res, user, browser, before };
}

/** A rejected upload leaves no course, no module and no R2 object behind. */
async function expectNothingLeft(userId: string, before: string[]) {
  expect(await db().select().from(courses).where(eq(courses.instructorId, userId)).all()).toEqual([]);
  expect(await r2Keys()).toEqual(before);
}

describe("POST /api/courses/upload", () => {
  it("creates a draft course with its module files in R2", async () => {
    const { status, body, user } = await upload(validMetadata, [
      { name: "01-welcome.pdf", bytes: PDF, title: "Welcome" },
      { name: "diagram.png", bytes: PNG },
    ]);
    expect(status).toBe(201);
    expect(body.course).toMatchObject({ title: validMetadata.title, status: "draft", price: { amount: 1999, currency: "usd" }, instructor: { id: user.id } });
    expect(body.modulesAdded).toBe(2);
    const modules = await db().select().from(courseModules).where(eq(courseModules.courseId, body.course.id)).orderBy(courseModules.position).all();
    expect(modules.map((m) => [m.position, m.title, m.contentType, m.sizeBytes])).toEqual([
      [1, "Welcome", "application/pdf", PDF.byteLength],
      [2, "diagram", "image/png", PNG.byteLength],
    ]);
    const object = await env.UPLOADS.get(modules[0]!.r2Key!);
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(PDF);
  });

  it("streams a large file to R2 as a multipart upload", async () => {
    const big = new Uint8Array(6 * 1024 * 1024 + 123);
    big.set(PDF);
    const { status, body } = await upload(validMetadata, [{ name: "big.pdf", bytes: big }]);
    expect(status).toBe(201);
    const [module] = await db().select().from(courseModules).where(eq(courseModules.courseId, body.course.id)).all();
    const head = await env.UPLOADS.head(module!.r2Key!);
    expect(head?.size).toBe(big.byteLength);
    expect(module!.sizeBytes).toBe(big.byteLength);
  });

  const rules: [string, Record<string, string>, string][] = [
    ["title is required", { ...validMetadata, title: "" }, "title"],
    ["title too short", { ...validMetadata, title: "SQL" }, "title"],
    ["title too long", { ...validMetadata, title: "x".repeat(121) }, "title"],
    ["description too short", { ...validMetadata, description: "Too short" }, "description"],
    ["description too long", { ...validMetadata, description: "x".repeat(5001) }, "description"],
    ["unknown category", { ...validMetadata, category: "cooking" }, "category"],
    ["unknown level", { ...validMetadata, level: "expert" }, "level"],
    ["unknown language", { ...validMetadata, language: "xx" }, "language"],
    ["price below the minimum", { ...validMetadata, priceAmount: "50" }, "priceAmount"],
    ["price above the maximum", { ...validMetadata, priceAmount: "100001" }, "priceAmount"],
    ["price not an integer", { ...validMetadata, priceAmount: "19.99" }, "priceAmount"],
    ["negative price", { ...validMetadata, priceAmount: "-100" }, "priceAmount"],
    ["unknown currency", { ...validMetadata, currency: "btc" }, "currency"],
  ];
  it.each(rules)("rejects metadata: %s (400, field error, no orphans)", async (_name, fields, field) => {
    const { status, body, user, before } = await upload(fields, [{ name: "a.pdf", bytes: PDF }]);
    expect(status).toBe(400);
    expect(body.error.code).toBe("validation_failed");
    expect(Object.keys(body.error.details.fieldErrors)).toContain(field);
    await expectNothingLeft(user.id, before);
  });

  it("accepts price 0 (free) and the bounds of the price range", async () => {
    for (const priceAmount of ["0", "100", "100000"]) {
      const { status } = await upload({ ...validMetadata, priceAmount });
      expect(status, priceAmount).toBe(201);
    }
  });

  const badFiles: [string, { name: string; bytes: Uint8Array | string }][] = [
    ["a disallowed extension", { name: "virus.exe", bytes: "MZ..." }],
    ["an html file", { name: "page.html", bytes: "<script>alert(1)</script>" }],
    ["content that does not match its extension", { name: "fake.pdf", bytes: "<html>not a pdf at all</html>" }],
    ["a png that is not a png", { name: "x.png", bytes: PDF }],
    ["an empty file", { name: "empty.pdf", bytes: new Uint8Array() }],
    ["a text file with binary content", { name: "notes.txt", bytes: new Uint8Array([104, 105, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]) }],
  ];
  it.each(badFiles)("rejects %s and removes the files already stored", async (_name, bad) => {
    const { status, body, user, before } = await upload(validMetadata, [{ name: "good.pdf", bytes: PDF }, bad]);
    expect(status).toBe(400);
    expect(body.error.details.fieldErrors.files.join(" ")).toContain(bad.name);
    await expectNothingLeft(user.id, before);
  });

  it("rejects a file over the size limit", async () => {
    const big = new Uint8Array(25 * 1024 * 1024 + 1);
    big.set(PDF);
    const { status, body, user, before } = await upload(validMetadata, [{ name: "huge.pdf", bytes: big }]);
    expect(status).toBe(400);
    expect(body.error.details.fieldErrors.files[0]).toMatch(/larger than 25 MB/);
    await expectNothingLeft(user.id, before);
  });

  it("rejects more than 10 files", async () => {
    const files = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.pdf`, bytes: PDF }));
    const { status, body, user, before } = await upload(validMetadata, files);
    expect(status).toBe(400);
    expect(body.error.details.fieldErrors.files.join(" ")).toMatch(/At most 10 files/);
    await expectNothingLeft(user.id, before);
  });

  it("rejects a module title that is too long", async () => {
    const { status, body, user, before } = await upload(validMetadata, [{ name: "a.pdf", bytes: PDF, title: "t".repeat(121) }]);
    expect(status).toBe(400);
    expect(Object.keys(body.error.details.fieldErrors)).toContain("moduleTitle.0");
    await expectNothingLeft(user.id, before);
  });

  it("rejects a body that is not multipart", async () => {
    const { browser } = await signedInAs("instructor");
    const res = await browser.json("/api/courses/upload", { method: "POST", body: JSON.stringify(validMetadata), headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad_request");
  });

  it("deletes stored files when the database write fails", async () => {
    const who = await signedInAs("instructor");
    const before = await r2Keys();
    // Make the insert fail after the files are in R2: a trigger that aborts course inserts.
    await env.DB.exec("CREATE TRIGGER fail_courses BEFORE INSERT ON courses BEGIN SELECT RAISE(ABORT, 'boom'); END;");
    try {
      const res = await who.browser.json("/api/courses/upload", post(uploadForm(validMetadata, [{ name: "a.pdf", bytes: PDF }])));
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.body)).not.toContain("boom");
    } finally {
      await env.DB.exec("DROP TRIGGER fail_courses;");
    }
    await expectNothingLeft(who.user.id, before);
  });

  it("adds files to an own course, and refuses other instructors' courses", async () => {
    const owner = await signedInAs("instructor");
    const created = await upload(validMetadata, [{ name: "one.pdf", bytes: PDF }], owner);
    const more = await owner.browser.json("/api/courses/upload", post(uploadForm({ courseId: created.body.course.id, title: "Intro to SQL, second edition" }, [{ name: "two.pdf", bytes: PDF }])));
    expect(more.status).toBe(200);
    expect(more.body.course.title).toBe("Intro to SQL, second edition");
    const modules = await db().select().from(courseModules).where(eq(courseModules.courseId, created.body.course.id)).orderBy(courseModules.position).all();
    expect(modules.map((m) => m.position)).toEqual([1, 2]);

    const other = await signedInAs("instructor");
    const before = await r2Keys();
    const denied = await other.browser.json("/api/courses/upload", post(uploadForm({ courseId: created.body.course.id }, [{ name: "x.pdf", bytes: PDF }])));
    expect(denied.status).toBe(404); // a draft of someone else is not even visible
    expect(await r2Keys()).toEqual(before);
  });

  it("is for instructors only", async () => {
    const student = await signedInAs("student");
    const res = await student.browser.json("/api/courses/upload", post(uploadForm(validMetadata, [{ name: "a.pdf", bytes: PDF }])));
    expect(res.status).toBe(403);
  });
});

describe("publishing and editing", () => {
  it("publishes only a complete course, and only its owner may", async () => {
    const owner = await signedInAs("instructor");
    const empty = await upload(validMetadata, [], owner);
    const id = empty.body.course.id;
    const patch = (b: typeof owner.browser, body: unknown) => b.json(`/api/courses/${id}`, { method: "PATCH", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });

    const noModules = await patch(owner.browser, { status: "published" });
    expect(noModules.status).toBe(400);
    expect(noModules.body.error.details.fieldErrors.modules[0]).toMatch(/at least one module/);

    await owner.browser.json("/api/courses/upload", post(uploadForm({ courseId: id }, [{ name: "lesson.pdf", bytes: PDF }])));
    const other = await signedInAs("instructor");
    expect((await patch(other.browser, { status: "published" })).status).toBe(404);
    const ok = await patch(owner.browser, { status: "published" });
    expect(ok.status).toBe(200);
    expect(ok.body.course.status).toBe("published");
    expect(ok.body.course.publishedAt).toEqual(expect.any(Number));

    // Published: other instructors are forbidden (403), admins can unpublish but not edit.
    expect((await patch(other.browser, { title: "Hijacked title here" })).status).toBe(403);
    const admin = await signedInAs("admin");
    expect((await patch(admin.browser, { title: "Admin edits title" })).status).toBe(403);
    const unpublished = await patch(admin.browser, { status: "draft" });
    expect(unpublished.status).toBe(200);
    expect(unpublished.body.course.status).toBe("draft");

    expect((await patch(owner.browser, { priceAmount: 5 })).status).toBe(400);
    expect((await patch(owner.browser, { unknown: 1 })).status).toBe(400);
    expect((await patch(owner.browser, { title: "A better SQL course" })).body.course.title).toBe("A better SQL course");
  });
});

import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { valueAxis } from "~/components/bar-chart";
import { chartModel, lastMonths } from "~/components/earnings-chart";
import { listMyLearning } from "~/modules/marketplace/learning.server";
import { isSafeUrl, renderMarkdown } from "~/modules/marketplace/markdown.server";
import { sniffImage } from "~/modules/marketplace/images.server";
import { createId } from "~/utils/ids";
import { courseModules, courses, enrollments, instructorProfiles, moduleProgress } from "~drizzle/schema";
import { Browser, db, insertUser, signedInAs } from "../helpers";
import { insertCourse, PNG } from "./helpers";

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]);
const WEBP = new TextEncoder().encode("RIFF\x10\x00\x00\x00WEBPVP8 ");

/** Everything an attacker could try to get into a page through a module's Markdown. */
const HOSTILE = [
  "<script>alert('x')</script>",
  "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
  '<img src=x onerror="alert(1)">',
  '<a href="/" onclick="alert(1)">click</a>',
  '<div onmouseover="alert(1)">hover</div>',
  "<iframe src=\"https://evil.example\"></iframe>",
  "[js](javascript:alert(1))",
  "[js upper](JaVaScRiPt:alert(1))",
  "[js entity](&#106;avascript:alert(1))",
  "[js encoded](javascript&#58;alert(1))",
  "[vb](vbscript:msgbox(1))",
  "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "![img](javascript:alert(1))",
  '[title attr](https://ok.example "x\\" onmouseover=\\"alert(1)")',
  "<javascript:alert(1)>",
  "<svg onload=alert(1)>",
].join("\n\n");

/** Every element's tag name and attributes (quoted values consumed, so text inside them is not mistaken for attributes). */
function elements(html: string) {
  const out: { tag: string; attrs: [string, string][] }[] = [];
  for (const m of html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*\/?>/g)) {
    const attrs = [...m[2]!.matchAll(/\s+([^\s=>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g)].map((a) => [a[1]!.toLowerCase(), (a[2] ?? "").replace(/^["']|["']$/g, "")] as [string, string]);
    out.push({ tag: m[1]!.toLowerCase(), attrs });
  }
  return out;
}

function expectSafe(html: string) {
  const found = elements(html);
  expect(found.length).toBeGreaterThan(0);
  for (const { tag, attrs } of found) {
    expect(["script", "iframe", "svg", "object", "embed", "style"]).not.toContain(tag);
    for (const [name, value] of attrs) {
      expect(name, `${tag} ${name}`).not.toMatch(/^on/);
      expect(name).not.toBe("style");
      if (name === "href" || name === "src") expect(value.replace(/[\u0000-\u0020]/g, ""), `${tag} ${name}`).not.toMatch(/^(javascript|vbscript|data):/i);
    }
  }
}

describe("Markdown of module notes", () => {
  it("renders headings, lists, code, tables and links", () => {
    const html = renderMarkdown("# Title\n\n- one\n- two\n\n```js\nlet a = 1 < 2;\n```\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n[site](https://example.com) and [page](/courses)");
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain("<li>one</li>");
    expect(html).toContain("let a = 1 &lt; 2;");
    expect(html).toContain('<pre tabindex="0"><code class="language-js">'); // scrolls sideways on a phone: reachable by keyboard
    expect(renderMarkdown("    indented code")).toContain('<pre tabindex="0"><code>');
    expect(html).toContain("<table>");
    expect(html).toContain('<a href="https://example.com" rel="nofollow noopener noreferrer">site</a>');
    expect(html).toContain('<a href="/courses">page</a>');
  });

  it("never lets <script>, javascript: links or on* attributes through", () => {
    const html = renderMarkdown(HOSTILE);
    expectSafe(html);
    // Raw HTML is shown as text, not dropped silently.
    expect(html).toContain("&lt;script&gt;");
  });

  it("accepts only relative, http(s) and mailto addresses", () => {
    for (const ok of ["/a", "a/b", "#top", "https://x.example", "http://x.example", "mailto:a@b.example", "?q=1"]) expect(isSafeUrl(ok), ok).toBe(true);
    for (const bad of ["javascript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "JAVASCRIPT:x", "vbscript:x", "data:text/html,x", "file:///etc/passwd"]) {
      expect(isSafeUrl(bad), bad).toBe(false);
    }
  });

  it("reach the module page sanitized", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { priceAmount: 0 });
    const moduleId = createId("module");
    const key = `modules/${moduleId}/notes.md`;
    const source = `# Hello learners\n\n${HOSTILE}`;
    await env.UPLOADS.put(key, source, { httpMetadata: { contentType: "text/markdown; charset=utf-8" } });
    await db()
      .insert(courseModules)
      .values({ id: moduleId, courseId: course.id, position: 2, title: "Notes", r2Key: key, fileName: "notes.md", contentType: "text/markdown; charset=utf-8", sizeBytes: source.length, createdAt: Date.now() })
      .run();
    const { browser } = await enrolled(course.id);
    const res = await browser.fetch(`/courses/${course.slug}/learn/${moduleId}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    // The notes end where the download line (locked on Free) begins.
    const notes = /data-testid="module-markdown">([\s\S]*?)<\/div><p class="muted" data-testid="download-locked"/.exec(html)?.[1] ?? "";
    expect(notes).toContain("<h1>Hello learners</h1>");
    expectSafe(notes);
    expect(html).not.toContain("alert('x')</script>");
  });
});

/** React's markers between adjacent text pieces removed, so the page reads as a browser shows it. */
const text = (html: string) => html.replaceAll("<!-- -->", "");

async function enrolled(courseId: string) {
  const learner = await signedInAs("student");
  const t = Date.now();
  await db().insert(enrollments).values({ id: createId("enrollment"), courseId, userId: learner.user.id, status: "active", source: "free", paymentId: null, amountPaid: 0, currency: "usd", createdAt: t, updatedAt: t }).run();
  return learner;
}

async function addModules(courseId: string, titles: string[]) {
  const rows = titles.map((title, i) => ({ id: createId("module"), courseId, position: i + 2, title, r2Key: null, fileName: null, contentType: null, sizeBytes: null, createdAt: Date.now() }));
  await db().insert(courseModules).values(rows).run();
  return rows;
}

describe("module viewer access", () => {
  it("sends a learner who is not enrolled to the course page with its Buy button and a message", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { priceAmount: 2500, title: "Paid course here" });
    const { browser } = await signedInAs("student");
    const res = await browser.fetch(`/courses/${course.slug}/learn/${course.moduleId}`);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(`/courses/${course.slug}?enroll=required`);
    const page = await (await browser.fetch(res.headers.get("Location")!)).text();
    expect(page).toContain("Buy this course to open its modules.");
    expect(page).toMatch(/Buy for (<!-- -->)?\$25\.00/);
    // Marking complete without access is refused the same way (nothing recorded).
    const post = await browser.submit(`/courses/${course.slug}/learn/${course.moduleId}`, {});
    expect(post.status).toBe(302);
    expect(await db().select().from(moduleProgress).where(eq(moduleProgress.courseId, course.id)).all()).toEqual([]);
  });

  it("asks a visitor to log in first, and 404s an unknown module", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id);
    const path = `/courses/${course.slug}/learn/${course.moduleId}`;
    const res = await new Browser().fetch(path);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(`/login?redirectTo=${encodeURIComponent(path)}`);
    const { browser } = await enrolled(course.id);
    expect((await browser.fetch(`/courses/${course.slug}/learn/${createId("module")}`)).status).toBe(404);
  });

  it("shows the outline, progress and previous/next to an enrolled learner", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id);
    const [second, third] = await addModules(course.id, ["Second part", "Third part"]);
    const { browser } = await enrolled(course.id);
    const html = text(await (await browser.fetch(`/courses/${course.slug}/learn/${second!.id}`)).text());
    expect(html).toContain("0 of 3 modules complete");
    const rel = (r: string) => elements(html).find((e) => e.tag === "a" && e.attrs.some(([n, v]) => n === "rel" && v === r))?.attrs.find(([n]) => n === "href")?.[1];
    expect(rel("prev")).toBe(`/courses/${course.slug}/learn/${course.moduleId}`);
    expect(rel("next")).toBe(`/courses/${course.slug}/learn/${third!.id}`);
    expect((await browser.submit(`/courses/${course.slug}/learn/${second!.id}`, {})).status).toBe(200);
    const after = text(await (await browser.fetch(`/courses/${course.slug}/learn/${second!.id}`)).text());
    expect(after).toContain("1 of 3 modules complete");
    expect(after).toContain("You completed this module.");
  });
});

describe("My learning", () => {
  it("lists enrolled courses with progress and the module to continue with", async () => {
    const owner = await insertUser("instructor", { name: "Olga Owner" });
    const started = await insertCourse(owner.id, { title: "Started course" });
    const [m2, m3] = await addModules(started.id, ["Part two", "Part three"]);
    const fresh = await insertCourse(owner.id, { title: "Fresh course" });
    const other = await insertCourse(owner.id, { title: "Not enrolled" });
    const { browser, user } = await enrolled(started.id);
    const t = Date.now();
    await db().insert(enrollments).values({ id: createId("enrollment"), courseId: fresh.id, userId: user.id, status: "active", source: "free", paymentId: null, amountPaid: 0, currency: "usd", createdAt: t, updatedAt: t }).run();
    await db().insert(moduleProgress).values({ userId: user.id, moduleId: started.moduleId, courseId: started.id, completedAt: t }).run();

    const items = await listMyLearning({ db: db() }, user.id);
    expect(items.map((i) => i.course.title)).toEqual(["Started course", "Fresh course"]);
    expect(items[0]).toMatchObject({ progress: { completed: 1, total: 3, percent: 33 }, next: { id: m2!.id, title: "Part two" }, started: true });
    expect(items[0]!.course.instructorName).toBe("Olga Owner");
    expect(items[1]).toMatchObject({ progress: { completed: 0, total: 1 }, next: { id: fresh.moduleId }, started: false });
    expect(items.some((i) => i.course.id === other.id)).toBe(false);

    // Skipping ahead: the first incomplete module is still the one to continue with.
    await db().insert(moduleProgress).values({ userId: user.id, moduleId: m3!.id, courseId: started.id, completedAt: t + 1 }).run();
    expect((await listMyLearning({ db: db() }, user.id))[0]!.next!.id).toBe(m2!.id);

    const html = text(await (await browser.fetch("/learning")).text());
    expect(html).toContain("Started course");
    expect(html).toContain("2 of 3 modules complete");
    expect(html).toMatch(new RegExp(`href="/courses/${started.slug}/learn/${m2!.id}"[^>]*>Continue`));
    expect(html).toMatch(/<progress[^>]*max="3"[^>]*value="2"/);
  });

  it("points a learner without courses to the catalog, and a revoked enrollment disappears", async () => {
    const { browser, user } = await signedInAs("student");
    const html = await (await browser.fetch("/learning")).text();
    expect(html).toContain("You have no courses yet");
    expect(html).toContain('href="/courses"');
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id);
    const t = Date.now();
    await db().insert(enrollments).values({ id: createId("enrollment"), courseId: course.id, userId: user.id, status: "revoked", source: "purchase", paymentId: null, amountPaid: 0, currency: "usd", createdAt: t, updatedAt: t }).run();
    expect(await listMyLearning({ db: db() }, user.id)).toEqual([]);
  });

  it("is where sign-in lands by default, and needs a session", async () => {
    const user = await insertUser();
    expect((await new Browser().submit("/login", { email: user.email, password: "correct-horse-1" })).headers.get("Location")).toBe("/learning");
    const res = await new Browser().fetch("/learning");
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/login?redirectTo=%2Flearning");
  });
});

async function imageForm(browser: Browser, field: string, file: { bytes: Uint8Array; name: string; type?: string } | null, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.set("csrf", await browser.csrf());
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  if (file) form.set(field, new File([file.bytes as Uint8Array<ArrayBuffer>], file.name, { type: file.type ?? "image/png" }));
  return form;
}

async function keys(prefix: string) {
  return (await env.UPLOADS.list({ prefix })).objects.map((o) => o.key);
}

describe("course covers", () => {
  it("after saving a cover (the URL keeps ?intent=cover) the editor's other forms still post to the course", async () => {
    const { browser, user } = await signedInAs("instructor");
    const course = await insertCourse(user.id);
    const saved = await browser.fetch(`/instructor/courses/${course.id}?intent=cover`, { method: "POST", body: await imageForm(browser, "cover", { bytes: PNG, name: "cover.png" }) });
    const html = await saved.text();
    const actions = [...html.matchAll(/<form[^>]*\saction="([^"]*)"/g)].map((m) => m[1]!.replaceAll("&amp;", "&"));
    const self = `/instructor/courses/${course.id}`;
    expect(actions.filter((a) => a.startsWith(self))).toEqual(expect.arrayContaining([self, `${self}?intent=cover`]));
    expect(actions.filter((a) => a.includes("intent=cover"))).toEqual([`${self}?intent=cover`]); // only the cover form itself
  });

  it("sniffs PNG, JPEG and WebP by their bytes", () => {
    expect(sniffImage(PNG)).toBe("png");
    expect(sniffImage(JPEG)).toBe("jpg");
    expect(sniffImage(WEBP)).toBe("webp");
    expect(sniffImage(new TextEncoder().encode("<svg onload=alert(1)>"))).toBeNull();
    expect(sniffImage(new TextEncoder().encode("RIFF\x10\x00\x00\x00WAVEfmt "))).toBeNull();
  });

  it("an instructor uploads a cover: stored in R2, shown on the course page, served as an immutable image", async () => {
    const { browser, user } = await signedInAs("instructor");
    const course = await insertCourse(user.id);
    const res = await browser.fetch(`/instructor/courses/${course.id}?intent=cover`, { method: "POST", body: await imageForm(browser, "cover", { bytes: PNG, name: "cover.png" }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Cover image saved.");
    const row = await db().select().from(courses).where(eq(courses.id, course.id)).get();
    expect(row!.coverKey).toMatch(new RegExp(`^covers/${course.id}/[0-9a-f]{16}\\.png$`));
    expect(await keys(`covers/${course.id}/`)).toEqual([row!.coverKey]);

    const page = await (await new Browser().fetch(`/courses/${course.slug}`)).text();
    expect(page).toContain(`src="/${row!.coverKey}"`);
    const catalog = await (await new Browser().fetch(`/courses?instructor=${user.id}`)).text();
    expect(catalog).toContain(`src="/${row!.coverKey}"`);

    for (const who of [new Browser(), browser]) {
      const image = await who.fetch(`/${row!.coverKey}`);
      expect(image.status).toBe(200);
      expect(image.headers.get("Content-Type")).toBe("image/png");
      expect(image.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
      expect(image.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(new Uint8Array(await image.arrayBuffer())).toEqual(PNG);
    }
    expect((await new Browser().fetch(`/covers/${course.id}/0000000000000000.png`)).status).toBe(404);
    expect((await new Browser().fetch(`/covers/${course.id}/..%2F..%2Fmodules.png`)).status).toBe(404);

    // Replacing the cover deletes the old object; removing it brings the generated cover back.
    await browser.fetch(`/instructor/courses/${course.id}?intent=cover`, { method: "POST", body: await imageForm(browser, "cover", { bytes: JPEG, name: "new.jpg" }) });
    const replaced = await db().select().from(courses).where(eq(courses.id, course.id)).get();
    expect(replaced!.coverKey).toMatch(/\.jpg$/);
    await waitForKeys(`covers/${course.id}/`, [replaced!.coverKey!]);
    await browser.fetch(`/instructor/courses/${course.id}?intent=cover`, { method: "POST", body: await imageForm(browser, "cover", null, { removeCover: "on" }) });
    expect((await db().select().from(courses).where(eq(courses.id, course.id)).get())!.coverKey).toBeNull();
    expect(await (await new Browser().fetch(`/courses/${course.slug}`)).text()).toContain('data-testid="generated-cover"');
  });

  it("refuses a file that is not an image (400) or too large (413), storing nothing", async () => {
    const { browser, user } = await signedInAs("instructor");
    const course = await insertCourse(user.id);
    const post = async (file: { bytes: Uint8Array; name: string; type?: string }) =>
      browser.fetch(`/instructor/courses/${course.id}?intent=cover`, { method: "POST", body: await imageForm(browser, "cover", file) });

    const html = await post({ bytes: new TextEncoder().encode("<svg onload=alert(1)></svg>"), name: "cover.png", type: "image/png" });
    expect(html.status).toBe(400);
    expect(await html.text()).toContain("Upload a PNG, JPEG or WebP image");

    const big = new Uint8Array(2 * 1024 * 1024 + 1);
    big.set(PNG);
    const tooLarge = await post({ bytes: big, name: "big.png" });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.text()).toContain("The cover image must be at most 2 MB.");

    expect((await post({ bytes: new Uint8Array(0), name: "empty.png" })).status).toBe(400);
    expect(await keys(`covers/${course.id}/`)).toEqual([]);
    expect((await db().select().from(courses).where(eq(courses.id, course.id)).get())!.coverKey).toBeNull();
  });

  it("only the course's instructor can set its cover, and only with the form's CSRF token", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id);
    const other = await signedInAs("instructor");
    const res = await other.browser.fetch(`/instructor/courses/${course.id}?intent=cover`, { method: "POST", body: await imageForm(other.browser, "cover", { bytes: PNG, name: "c.png" }) });
    expect(res.status).toBe(403);
    const student = await signedInAs("student");
    expect((await student.browser.fetch(`/instructor/courses/${course.id}?intent=cover`, { method: "POST", body: await imageForm(student.browser, "cover", { bytes: PNG, name: "c.png" }) })).status).toBe(403);
    const mine = await signedInAs("instructor");
    const own = await insertCourse(mine.user.id);
    const form = await imageForm(mine.browser, "cover", { bytes: PNG, name: "c.png" });
    form.set("csrf", "wrong");
    expect((await mine.browser.fetch(`/instructor/courses/${own.id}?intent=cover`, { method: "POST", body: form })).status).toBe(403);
    expect(await keys(`covers/${course.id}/`)).toEqual([]);
    expect(await keys(`covers/${own.id}/`)).toEqual([]);
  });
});

async function waitForKeys(prefix: string, expected: string[]) {
  for (let i = 0; i < 50; i++) {
    if (JSON.stringify(await keys(prefix)) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(await keys(prefix)).toEqual(expected);
}

describe("instructor profiles", () => {
  it("an instructor sets a bio and photo; the public profile and course page show them", async () => {
    const { browser, user } = await signedInAs("instructor");
    const course = await insertCourse(user.id, { title: "Profile course" });
    const draft = await insertCourse(user.id, { title: "Hidden draft", status: "draft" });
    const res = await browser.fetch("/instructor/profile", { method: "POST", body: await imageForm(browser, "avatar", { bytes: JPEG, name: "me.jpg", type: "image/jpeg" }, { bio: "I teach <b>Rust</b>." }) });
    expect(res.status).toBe(200);
    const profile = await db().select().from(instructorProfiles).where(eq(instructorProfiles.userId, user.id)).get();
    expect(profile).toMatchObject({ bio: "I teach <b>Rust</b>." });
    expect(profile!.avatarKey).toMatch(new RegExp(`^avatars/${user.id}/[0-9a-f]{16}\\.jpg$`));
    const avatar = await new Browser().fetch(`/${profile!.avatarKey}`);
    expect(avatar.headers.get("Content-Type")).toBe("image/jpeg");

    const page = await (await new Browser().fetch(`/instructors/${user.id}`)).text();
    expect(page).toContain("I teach &lt;b&gt;Rust&lt;/b&gt;.");
    expect(page).toContain(`src="/${profile!.avatarKey}"`);
    expect(page).toContain("Profile course");
    expect(page).not.toContain("Hidden draft");
    void draft;
    const coursePage = await (await new Browser().fetch(`/courses/${course.slug}`)).text();
    expect(coursePage).toContain(`href="/instructors/${user.id}"`);
    expect(coursePage).toContain("I teach &lt;b&gt;Rust&lt;/b&gt;.");
  });

  it("refuses a wrong type, a too-large photo or a too-long bio, storing nothing; students have no profile page", async () => {
    const { browser, user } = await signedInAs("instructor");
    const wrong = await browser.fetch("/instructor/profile", { method: "POST", body: await imageForm(browser, "avatar", { bytes: new TextEncoder().encode("GIF89a......"), name: "me.gif", type: "image/gif" }, { bio: "Hi" }) });
    expect(wrong.status).toBe(400);
    const big = new Uint8Array(1024 * 1024 + 1);
    big.set(PNG);
    const tooLarge = await browser.fetch("/instructor/profile", { method: "POST", body: await imageForm(browser, "avatar", { bytes: big, name: "me.png" }, { bio: "Hi" }) });
    expect(tooLarge.status).toBe(413);
    const longBio = await browser.fetch("/instructor/profile", { method: "POST", body: await imageForm(browser, "avatar", null, { bio: "x".repeat(1001) }) });
    expect(longBio.status).toBe(400);
    expect(await keys(`avatars/${user.id}/`)).toEqual([]);
    expect(await db().select().from(instructorProfiles).where(eq(instructorProfiles.userId, user.id)).get()).toBeUndefined();

    const student = await signedInAs("student");
    expect((await student.browser.fetch("/instructor/profile", { method: "POST", body: await imageForm(student.browser, "avatar", { bytes: PNG, name: "me.png" }) })).status).toBe(403);
    expect((await new Browser().fetch(`/instructors/${student.user.id}`)).status).toBe(404);
    // Without a photo, the initials are drawn.
    expect(await (await new Browser().fetch(`/instructors/${user.id}`)).text()).toContain('data-testid="initials-avatar"');
  });
});

describe("earnings chart", () => {
  it("covers the last 12 months with whole-unit money ticks", () => {
    const now = Date.UTC(2026, 10, 27);
    expect(lastMonths(now)).toEqual(["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]);
    // d3's nice ticks, whole units only: never a "$0.50" or "2.5 checks" tick.
    expect(valueAxis(0)).toEqual({ ticks: [0, 1], top: 1 });
    expect(valueAxis(3)).toEqual({ ticks: [0, 1, 2, 3], top: 3 });
    expect(valueAxis(130)).toEqual({ ticks: [0, 50, 100, 150], top: 150 });
    expect(valueAxis(1900, 100).ticks).toEqual([0, 500, 1000, 1500, 2000]);
    expect(valueAxis(7000, 100)).toEqual({ ticks: [0, 2000, 4000, 6000, 8000], top: 8000 });
    const model = chartModel(
      [
        { month: "2026-11", currency: "usd", pending: 1400, available: 0, paid: 0 },
        { month: "2026-06", currency: "usd", pending: 0, available: 2000, paid: 5000 },
        { month: "2024-01", currency: "usd", pending: 0, available: 0, paid: 99999 },
        { month: "2026-11", currency: "eur", pending: 99999, available: 0, paid: 0 },
      ],
      "usd",
      now,
    );
    expect(model.months).toHaveLength(12);
    expect(model.total).toBe(8400);
    expect(model.months.find((m) => m.month === "2026-06")!.total).toBe(7000);
    expect(model.ticks[0]).toBe(0);
    expect(model.top).toBeGreaterThanOrEqual(7000);
    expect(model.ticks.every((t) => t % 100 === 0)).toBe(true);
  });

  it("is drawn on the instructor dashboard with labelled axes and a table", async () => {
    const { browser } = await signedInAs("instructor");
    const html = await (await browser.fetch("/instructor")).text();
    expect(html).toContain("Earnings per month in USD, last 12 months");
    expect(html).toContain("Earnings (USD)");
    expect(html).toContain("Month (sale date)");
    expect(html).toContain("Show the numbers as a table");
  });
});

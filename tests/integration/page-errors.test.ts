import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { courseModules, courses, sessions } from "~drizzle/schema";
import { PDF, r2Keys, validMetadata } from "../marketplace/helpers";
import { Browser, db, insertUser, ORIGIN, PASSWORD, signedInAs } from "../helpers";

/** A raw multipart body, so tests control every byte of the part headers. */
function rawMultipart(parts: { headers: string; body: string | Uint8Array }[]) {
  const boundary = "----coursemint-test-boundary";
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const p of parts) {
    chunks.push(enc.encode(`--${boundary}\r\n${p.headers}\r\n\r\n`));
    chunks.push(typeof p.body === "string" ? enc.encode(p.body) : p.body);
    chunks.push(enc.encode("\r\n"));
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  const total = chunks.reduce((a, c) => a + c.byteLength, 0);
  const body = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    body.set(c, o);
    o += c.byteLength;
  }
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

const field = (name: string, value: string) => ({ headers: `Content-Disposition: form-data; name="${name}"`, body: value });

describe("cross-origin page form posts", () => {
  it.each(["/login", "/signup", "/password/forgot", "/password/reset", "/account", "/logout", "/admin/payments"])("POST %s from another origin is a 403 error page and does nothing", async (path) => {
    const { user, browser } = await signedInAs("admin");
    const csrf = await browser.csrf();
    const before = (await db().select().from(sessions).where(eq(sessions.userId, user.id)).all()).length;
    const res = await browser.fetch(path, {
      method: "POST",
      body: new URLSearchParams({ csrf, intent: "logout-everywhere", email: user.email, password: PASSWORD }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("Not allowed");
    expect(html).toMatch(/another site/);
    expect((await db().select().from(sessions).where(eq(sessions.userId, user.id)).all()).length).toBe(before);
  });

  it("treats Origin: null as another origin", async () => {
    const res = await new Browser().fetch("/login", { method: "POST", body: new URLSearchParams({ email: "a@b.co", password: "x" }), headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "null" } });
    expect(res.status).toBe(403);
  });

  it("still accepts same-origin posts and posts without Origin", async () => {
    const user = await insertUser();
    const same = await new Browser().fetch("/login", { method: "GET" }).then(async () => {
      const b = new Browser();
      const csrf = await b.csrf();
      return b.fetch("/login", { method: "POST", body: new URLSearchParams({ csrf, email: user.email, password: PASSWORD }), headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN } });
    });
    expect(same.status).toBe(302);
    expect((await new Browser().submit("/login", { email: user.email, password: PASSWORD })).status).toBe(302);
  });
});

describe("the page form reader", () => {
  it.each([
    ["text/plain", "email=a@b.co&password=x", 415],
    ["application/json", '{"email":"a@b.co"}', 415],
    ["", "email=a@b.co", 415],
    ["multipart/form-data", "not multipart at all", 400],
    ["multipart/form-data; boundary=x", "--x\r\nbroken", 400],
  ])("Content-Type %j → %s error page on every page action", async (type, body, status) => {
    for (const path of ["/login", "/signup", "/password/forgot", "/password/reset", "/account", "/pricing", "/admin/users", "/logout"]) {
      const { browser } = await signedInAs("admin");
      await browser.csrf();
      const headers: Record<string, string> = type ? { "Content-Type": type } : {};
      const res = await browser.fetch(path, { method: "POST", body: type ? body : new Blob([body]), headers });
      expect(res.status, path).toBe(status);
      expect(await res.text(), path).toContain('class="error-page"');
    }
  });

  it("answers 413 to an oversized form", async () => {
    const browser = new Browser();
    const csrf = await browser.csrf();
    const res = await browser.fetch("/login", {
      method: "POST",
      body: new URLSearchParams({ csrf, email: "a@b.co", password: "x".repeat(200 * 1024) }),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('class="error-page"');
  });

  it("answers 403 with the error page when the CSRF field is missing", async () => {
    const browser = new Browser();
    await browser.csrf();
    const res = await browser.fetch("/signup", { method: "POST", body: new URLSearchParams({ name: "A", email: "a@b.co", password: "a-strong-pass-9" }), headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("Your form expired");
  });
});

describe("upload file names", () => {
  it.each(["a;b.pdf", "a=b.pdf", 'x"; name="csrf.pdf', "semi;colon=equals.pdf", "ümlaut; é=.pdf"])(
    "%j (which the multipart parser cannot split) is a 400 that says to rename the file, never a 500",
    async (name) => {
      const { user, browser } = await signedInAs("instructor");
      const before = await r2Keys();
      const form = new FormData();
      for (const [k, v] of Object.entries(validMetadata)) form.append(k, v);
      form.append("moduleTitle", "");
      form.append("files", new File([PDF], "first.pdf"));
      form.append("moduleTitle", "");
      form.append("files", new File([PDF], name));
      const res = await browser.json("/api/courses/upload", { method: "POST", body: form });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("bad_request");
      expect(res.body.error.message).toMatch(/rename the file/);
      expect(await db().select().from(courses).where(eq(courses.instructorId, user.id)).all()).toEqual([]);
      expect(await r2Keys()).toEqual(before); // the first file, already stored, is deleted again
    },
  );

  it.each(["Week 1 – intro (final).pdf", "ümlaut é.pdf", "../../etc/passwd.pdf", 'quote".pdf'])("%j is stored under a safe key", async (name) => {
    const { browser } = await signedInAs("instructor");
    const form = new FormData();
    for (const [k, v] of Object.entries(validMetadata)) form.append(k, v);
    form.append("moduleTitle", "");
    form.append("files", new File([PDF], name));
    const res = await browser.json("/api/courses/upload", { method: "POST", body: form });
    expect(res.status).toBe(201);
    const [module] = await db().select().from(courseModules).where(eq(courseModules.courseId, res.body.course.id)).all();
    expect(module!.r2Key).toMatch(/^modules\/mod_[0-9a-z]{26}\/[\w.-]+$/);
    expect(module!.r2Key).not.toContain("..");
  });

  it("the upload page shows the same 400 on the form, never a 500", async () => {
    const { browser } = await signedInAs("instructor");
    const form = new FormData();
    form.append("csrf", await browser.csrf());
    for (const [k, v] of Object.entries({ ...validMetadata, price: "19.99" })) form.append(k, v);
    form.append("files", new File([PDF], "a;b.pdf"));
    const res = await browser.fetch("/instructor/courses/new", { method: "POST", body: form });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("rename the file");
  });

  it.each([
    'form-data; name="files"; filename=a;b.pdf',
    'form-data; name="files"; filename="a;b=c.pdf"',
    'form-data; name="files"; filename="a.pdf"; filename*=UTF-8\'\'%E2%82%AC;b.pdf',
    'form-data; name="files"; filename==.pdf',
    'form-data; name=files; filename=";;;.pdf"',
  ])("a raw part header %j is a clean answer (201 or 400), never a 500", async (disposition) => {
    const { user, browser } = await signedInAs("instructor");
    const before = await r2Keys();
    const parts = [...Object.entries(validMetadata).map(([k, v]) => field(k, v)), { headers: `Content-Disposition: ${disposition}\r\nContent-Type: application/pdf`, body: PDF }];
    const { body, contentType } = rawMultipart(parts);
    const res = await browser.json("/api/courses/upload", { method: "POST", body, headers: { "Content-Type": contentType } });
    expect([201, 400]).toContain(res.status);
    if (res.status === 400) {
      expect(res.body.error.code).toMatch(/bad_request|validation_failed/);
      expect(await db().select().from(courses).where(eq(courses.instructorId, user.id)).all()).toEqual([]);
      expect(await r2Keys()).toEqual(before);
    }
  });
});

describe("cursors on admin lists", () => {
  it.each([
    ["/admin/users", "usr"],
    ["/admin/audit", "aud"],
    ["/admin/emails", "eml"],
    ["/api/users", "usr"],
    ["/api/audit", "aud"],
    ["/api/payments/history", "pay"],
  ])("%s answers 400 to a garbage cursor and 200 to a real one", async (path, prefix) => {
    const { user, browser } = await signedInAs("admin");
    for (const cursor of ["zzz", "'; drop table users;--", `${prefix}_`, "usr_0000000000000000000000000Z", `${prefix}_${"0".repeat(27)}`]) {
      const res = await browser.fetch(`${path}?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, `${path} ${cursor}`).toBe(400);
      if (path.startsWith("/api/")) expect(((await res.json()) as any).error.details.fieldErrors.cursor).toBeDefined();
      else expect(await res.text()).toContain('class="error-page"');
    }
    const ok = await browser.fetch(`${path}?cursor=${prefix}_${"z".repeat(26)}`);
    expect(ok.status).toBe(200);
    void user;
  });
});

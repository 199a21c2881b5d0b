import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { applySecurityHeaders, HSTS, PERMISSIONS_POLICY } from "~/utils/security-headers.server";
import { insertCourse } from "../marketplace/helpers";
import { bearer, Browser, ORIGIN, signedInAs } from "../helpers";

function expectCommonHeaders(res: Response) {
  expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(res.headers.get("Referrer-Policy")).toBe("strict-origin-when-cross-origin");
  expect(res.headers.get("Permissions-Policy")).toBe(PERMISSIONS_POLICY);
  expect(res.headers.get("Content-Security-Policy")).toBeTruthy();
  expect(res.headers.get("Strict-Transport-Security")).toBeNull(); // test env is not production
}

/** Every <script> must carry the response's nonce and no element may have an inline style. */
async function expectPageSatisfiesCsp(res: Response) {
  const csp = res.headers.get("Content-Security-Policy")!;
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce).toBeTruthy();
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  const html = await res.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag, tag).toContain(`nonce="${nonce}"`);
  expect(html).not.toMatch(/\sstyle="/);
  expect(html).not.toMatch(/<style\b/);
  expect(html).not.toMatch(/\son[a-z]+="/); // no inline event handlers
}

describe("security headers", () => {
  it.each(["/", "/courses", "/pricing", "/login", "/signup", "/password/forgot", "/no-such-page"])("anonymous page %s has the headers and a nonce CSP it satisfies", async (path) => {
    const res = await new Browser().fetch(path);
    expectCommonHeaders(res);
    expect(res.headers.get("X-Frame-Options")).toBe("DENY");
    expect(res.headers.get("Cache-Control") ?? "").not.toContain("no-store");
    await expectPageSatisfiesCsp(res);
  });

  it("each page gets a fresh nonce", async () => {
    const a = (await new Browser().fetch("/")).headers.get("Content-Security-Policy");
    const b = (await new Browser().fetch("/")).headers.get("Content-Security-Policy");
    expect(a).not.toBe(b);
  });

  it.each(["/account", "/account/billing", "/account/payments", "/admin", "/admin/users", "/admin/audit", "/admin/emails", "/admin/payments", "/admin/refund-requests", "/instructor", "/instructor/courses/new"])(
    "signed-in page %s is private, no-store and satisfies the CSP",
    async (path) => {
      const { browser } = await signedInAs("admin");
      const res = await browser.fetch(path);
      expect(res.status).toBe(200);
      expectCommonHeaders(res);
      expect(res.headers.get("Cache-Control")).toBe("private, no-store");
      await expectPageSatisfiesCsp(res);
    },
  );

  it("a course page and the instructor's edit page satisfy the CSP", async () => {
    const { user, browser } = await signedInAs("instructor");
    const course = await insertCourse(user.id, { priceAmount: 1999 });
    const pub = await new Browser().fetch(`/courses/${course.slug}`);
    await expectPageSatisfiesCsp(pub);
    const edit = await browser.fetch(`/instructor/courses/${course.id}`);
    expect(edit.headers.get("Cache-Control")).toBe("private, no-store");
    await expectPageSatisfiesCsp(edit);
  });

  it("JSON has nosniff and a deny-all CSP; authenticated JSON is private, no-store", async () => {
    const health = await SELF.fetch(`${ORIGIN}/api/health`);
    expectCommonHeaders(health);
    expect(health.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    const { browser } = await signedInAs("student");
    const me = await browser.fetch("/api/me");
    expectCommonHeaders(me);
    expect(me.headers.get("Cache-Control")).toBe("private, no-store");
    const token = await browser.json("/api/api-keys", { method: "POST", body: JSON.stringify({ name: "h" }), headers: { "Content-Type": "application/json" } });
    const viaToken = await SELF.fetch(`${ORIGIN}/api/me`, bearer(token.body.token));
    expect(viaToken.headers.get("Cache-Control")).toBe("private, no-store");
    const notFound = await SELF.fetch(`${ORIGIN}/api/nothing-here`);
    expect(notFound.status).toBe(404);
    expectCommonHeaders(notFound);
  });

  it("redirects and errors carry the headers too", async () => {
    const redirect = await new Browser().fetch("/account");
    expect(redirect.status).toBe(302);
    expectCommonHeaders(redirect);
    expect(redirect.headers.get("Cache-Control")).toBe("private, no-store");
  });

  it("the emulator's hosted Checkout page gets a CSP its inline style satisfies and no script", async () => {
    const { browser } = await signedInAs("student");
    const course = await insertCourse((await signedInAs("instructor")).user.id, { priceAmount: 1999 });
    const started = await browser.json("/api/courses/purchase", { method: "POST", body: JSON.stringify({ courseId: course.id }), headers: { "Content-Type": "application/json" } });
    const url = new URL(started.body.payment.nextAction.url);
    const page = await browser.fetch(url.pathname + url.search);
    expect(page.status).toBe(200);
    expectCommonHeaders(page);
    const csp = page.headers.get("Content-Security-Policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    const html = await page.text();
    expect(html).not.toMatch(/<script\b/);
  });

  it("HSTS only in production", () => {
    const request = new Request("https://coursemint.example/");
    const prod = new Headers();
    applySecurityHeaders(prod, request, { production: true });
    expect(prod.get("Strict-Transport-Security")).toBe(HSTS);
    const dev = new Headers();
    applySecurityHeaders(dev, request, { production: false });
    expect(dev.has("Strict-Transport-Security")).toBe(false);
  });

  it("never replaces a route's own CSP or private caching (module files)", () => {
    const headers = new Headers({ "Content-Security-Policy": "sandbox; default-src 'none'", "Cache-Control": "private, max-age=300" });
    applySecurityHeaders(headers, new Request("https://x.example/api/courses/c/modules/m/file", { headers: { Cookie: "__session=abc" } }), { production: true });
    expect(headers.get("Content-Security-Policy")).toBe("sandbox; default-src 'none'");
    expect(headers.get("Cache-Control")).toBe("private, max-age=300");
  });
});

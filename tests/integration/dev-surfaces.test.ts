import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { devControlAllowed, isLocalDevRequest } from "~/utils/dev-surfaces.server";
import { insertCourse } from "../marketplace/helpers";
import { jsonBody, ORIGIN, signedInAs } from "../helpers";

/** A shared staging deploy: same Worker, APP_ENV=development, reached by its public hostname. */
const STAGING = "https://staging.coursemint.example";
const SECRET = "a-dev-control-secret-of-32-chars-or-more";

const at = (origin: string, path: string, init: RequestInit = {}) => SELF.fetch(`${origin}${path}`, { redirect: "manual", ...init });

describe("development surfaces on a shared (non-local) deploy", () => {
  it("the mailbox is admins-only there, and open on a developer's machine", async () => {
    for (const path of ["/dev/mailbox", "/dev/mailbox.json", "/dev/mailbox/eml_00000000000000000000000000", "/dev/mailbox/eml_00000000000000000000000000/html"]) {
      const anonymous = await at(STAGING, path);
      expect(anonymous.status, path).toBe(302);
      expect(anonymous.headers.get("Location"), path).toMatch(/^\/login\?redirectTo=/);
      const student = await signedInAs("student");
      expect((await at(STAGING, path, { headers: { Cookie: student.browser.cookieHeader } })).status, path).toBe(403);
    }
    const admin = await signedInAs("admin");
    const page = await at(STAGING, "/dev/mailbox", { headers: { Cookie: admin.browser.cookieHeader } });
    expect(page.status).toBe(200);
    expect(page.headers.get("Cache-Control")).toBe("private, no-store");
    expect((await at(ORIGIN, "/dev/mailbox")).status).toBe(200); // localhost: open, as the README says
  });

  it("/__scheduled runs the cron locally and is a 404 elsewhere", async () => {
    const local = await at(ORIGIN, "/__scheduled?cron=*/15+*+*+*+*");
    expect(local.status).toBe(200);
    expect(await local.text()).toContain("Ran scheduled event");
    const remote = await at(STAGING, "/__scheduled?cron=*/15+*+*+*+*");
    expect(remote.status).toBe(404);
    const guessed = await at(STAGING, "/__scheduled?cron=*/15+*+*+*+*", { headers: { "X-Dev-Control-Secret": "guess" } });
    expect(guessed.status).toBe(404);
  });

  it("the emulator's API and test controls are a 404 elsewhere; its hosted pages still work", async () => {
    const key = { Authorization: `Bearer ${env.STRIPE_SECRET_KEY}` };
    expect((await at(STAGING, "/_stripe/_emulator/config", { headers: key })).status).toBe(404);
    expect((await at(STAGING, "/_stripe/_emulator/reset", { method: "POST", headers: key })).status).toBe(404);
    expect((await at(STAGING, "/_stripe/v1/customers", { headers: key })).status).toBe(404);
    expect((await at(ORIGIN, "/_stripe/_emulator/config", { headers: key })).status).toBe(200);

    const { browser } = await signedInAs("student");
    const course = await insertCourse((await signedInAs("instructor")).user.id, { priceAmount: 1999 });
    const started = await browser.json("/api/courses/purchase", jsonBody({ courseId: course.id }));
    const checkout = new URL(started.body.payment.nextAction.url);
    const page = await at(STAGING, checkout.pathname + checkout.search);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Card number");
  });

  it("a deploy's DEV_CONTROL_SECRET opens the controls there, compared in full", () => {
    const config = { APP_ENV: "development" as const, DEV_CONTROL_SECRET: SECRET };
    const req = (headers: Record<string, string> = {}) => new Request(`${STAGING}/__scheduled`, { headers });
    expect(devControlAllowed(config, req({ "X-Dev-Control-Secret": SECRET }))).toBe(true);
    expect(devControlAllowed(config, req({ "X-Dev-Control-Secret": SECRET.slice(0, -1) }))).toBe(false);
    expect(devControlAllowed(config, req({ "X-Dev-Control-Secret": `${SECRET}x` }))).toBe(false);
    expect(devControlAllowed(config, req())).toBe(false);
    expect(devControlAllowed({ APP_ENV: "development" }, req({ "X-Dev-Control-Secret": "" }))).toBe(false);
    expect(devControlAllowed({ APP_ENV: "production", DEV_CONTROL_SECRET: SECRET }, new Request("http://localhost/__scheduled", { headers: { "X-Dev-Control-Secret": SECRET } }))).toBe(false);
    expect(isLocalDevRequest({ APP_ENV: "production" }, new Request("http://localhost/"))).toBe(false);
    expect(isLocalDevRequest({ APP_ENV: "development" }, new Request("http://127.0.0.1:8787/"))).toBe(true);
    expect(isLocalDevRequest({ APP_ENV: "development" }, new Request("http://localhost.evil.example/"))).toBe(false);
  });
});

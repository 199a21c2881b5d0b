import { describe, expect, it } from "vitest";
import type { Role } from "~drizzle/schema";
import { Browser, insertUser, signedInAs } from "../helpers";

type Who = Role | "anonymous";
const EVERYONE: Who[] = ["anonymous", "student", "instructor", "enterprise", "admin"];

type Case = {
  name: string;
  request: (ctx: { browser: Browser; targetUserId: string }) => Promise<Response>;
  /** Expected status per caller; anything not listed uses `members`. */
  anonymous: number;
  members: number;
  admin?: number;
};

const json = (method: string, body: unknown) => ({
  method,
  body: JSON.stringify(body),
  headers: { "Content-Type": "application/json" },
});

/**
 * Every route, for every role and for anonymous callers. Pages redirect anonymous users to the
 * login page (302); the API answers 401. Add a row for every new route.
 */
const CASES: Case[] = [
  { name: "GET /", request: ({ browser }) => browser.fetch("/"), anonymous: 200, members: 200 },
  { name: "GET /login", request: ({ browser }) => browser.fetch("/login"), anonymous: 200, members: 302 },
  { name: "GET /signup", request: ({ browser }) => browser.fetch("/signup"), anonymous: 200, members: 302 },
  { name: "GET /account", request: ({ browser }) => browser.fetch("/account"), anonymous: 302, members: 200 },
  { name: "GET /admin/users", request: ({ browser }) => browser.fetch("/admin/users"), anonymous: 302, members: 403, admin: 200 },
  { name: "GET /admin/audit", request: ({ browser }) => browser.fetch("/admin/audit"), anonymous: 302, members: 403, admin: 200 },
  {
    name: "POST /admin/users",
    request: ({ browser, targetUserId }) => browser.submit("/admin/users", { userId: targetUserId, role: "instructor" }),
    anonymous: 302,
    members: 403,
    admin: 200,
  },
  { name: "GET /api/health", request: ({ browser }) => browser.fetch("/api/health"), anonymous: 200, members: 200 },
  { name: "GET /api/me", request: ({ browser }) => browser.fetch("/api/me"), anonymous: 401, members: 200 },
  { name: "GET /api/tokens", request: ({ browser }) => browser.fetch("/api/tokens"), anonymous: 401, members: 200 },
  { name: "POST /api/tokens", request: ({ browser }) => browser.fetch("/api/tokens", json("POST", { name: "m" })), anonymous: 401, members: 201 },
  { name: "DELETE /api/tokens/:id", request: ({ browser }) => browser.fetch("/api/tokens/tok_unknown", { method: "DELETE" }), anonymous: 401, members: 404 },
  { name: "GET /api/users", request: ({ browser }) => browser.fetch("/api/users"), anonymous: 401, members: 403, admin: 200 },
  {
    name: "PUT /api/users/:id/role",
    request: ({ browser, targetUserId }) => browser.fetch(`/api/users/${targetUserId}/role`, json("PUT", { role: "instructor" })),
    anonymous: 401,
    members: 403,
    admin: 200,
  },
  { name: "GET /api/audit", request: ({ browser }) => browser.fetch("/api/audit"), anonymous: 401, members: 403, admin: 200 },
  // Payments
  { name: "GET /account/payments", request: ({ browser }) => browser.fetch("/account/payments"), anonymous: 302, members: 200 },
  { name: "GET /account/payments/:id", request: ({ browser }) => browser.fetch("/account/payments/pay_00000000000000000000000000"), anonymous: 302, members: 404 },
  { name: "GET /admin/payments", request: ({ browser }) => browser.fetch("/admin/payments"), anonymous: 302, members: 403, admin: 200 },
  { name: "GET /api/payments/history", request: ({ browser }) => browser.fetch("/api/payments/history"), anonymous: 401, members: 200 },
  { name: "GET /api/payments/:id", request: ({ browser }) => browser.fetch("/api/payments/pay_00000000000000000000000000"), anonymous: 401, members: 404 },
  {
    name: "POST /api/payments/process",
    request: ({ browser }) => browser.fetch("/api/payments/process", json("POST", { purpose: "course_purchase", courseId: "crs_00000000000000000000000000" })),
    anonymous: 401,
    members: 404,
  },
  {
    name: "POST /api/payments/refund",
    request: ({ browser }) => browser.fetch("/api/payments/refund", json("POST", { paymentId: "pay_00000000000000000000000000", reason: "test" })),
    anonymous: 401,
    members: 403,
    admin: 404,
  },
  {
    name: "POST /api/webhooks/stripe (unsigned)",
    request: ({ browser }) => browser.fetch("/api/webhooks/stripe", { method: "POST", body: "{}" }),
    anonymous: 400,
    members: 400,
  },
  { name: "GET /no-such-page", request: ({ browser }) => browser.fetch("/no-such-page"), anonymous: 404, members: 404 },
  { name: "GET /api/no-such-endpoint", request: ({ browser }) => browser.fetch("/api/nope"), anonymous: 404, members: 404 },
];

describe.each(EVERYONE)("as %s", (who) => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const browser = who === "anonymous" ? new Browser() : (await signedInAs(who)).browser;
    const target = await insertUser("student");
    const expected = who === "anonymous" ? c.anonymous : who === "admin" ? (c.admin ?? c.members) : c.members;
    const response = await c.request({ browser, targetUserId: target.id });
    expect(response.status, `${who} ${c.name}`).toBe(expected);
    if (expected === 302 && who === "anonymous") expect(response.headers.get("Location")).toMatch(/^\/login\?redirectTo=/);
    const url = new URL(response.url || "http://localhost" + c.name.split(" ")[1]);
    if (url.pathname.startsWith("/api/") && expected >= 400) {
      expect(response.headers.get("Content-Type")).toContain("application/json");
      expect(await response.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    }
  });
});

import { type Case, json, routeMatrix } from "./matrix";

// Accounts, admin, API keys, email, the dev mailbox and unknown paths. Add a row for every new route.
const CASES: Case[] = [
  { name: "GET /", request: ({ browser }) => browser.fetch("/"), anonymous: 200, members: 200 },
  { name: "GET /login", request: ({ browser }) => browser.fetch("/login"), anonymous: 200, members: 302 },
  { name: "GET /signup", request: ({ browser }) => browser.fetch("/signup"), anonymous: 200, members: 302 },
  // Open to everyone: a reset link is its own credential, and asking for one is how a signed-in user changes a password.
  { name: "GET /password/forgot", request: ({ browser }) => browser.fetch("/password/forgot"), anonymous: 200, members: 200 },
  { name: "POST /password/forgot", request: ({ browser }) => browser.submit("/password/forgot", { email: "nobody@example.test" }), anonymous: 200, members: 200 },
  { name: "GET /password/reset (unknown link)", request: ({ browser }) => browser.fetch(`/password/reset?token=${"ab".repeat(32)}`), anonymous: 404, members: 404 },
  {
    name: "POST /password/reset (unknown link)",
    request: ({ browser }) => browser.submit("/password/reset", { token: "ab".repeat(32), password: "a-new-pass-word-42", confirmPassword: "a-new-pass-word-42" }),
    anonymous: 404,
    members: 404,
  },
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
  { name: "GET /api/api-keys", request: ({ browser }) => browser.fetch("/api/api-keys"), anonymous: 401, members: 200 },
  { name: "POST /api/api-keys", request: ({ browser }) => browser.fetch("/api/api-keys", json("POST", { name: "m" })), anonymous: 401, members: 201 },
  { name: "DELETE /api/api-keys/:id", request: ({ browser }) => browser.fetch("/api/api-keys/tok_unknown", { method: "DELETE" }), anonymous: 401, members: 404 },
  { name: "GET /api/users", request: ({ browser }) => browser.fetch("/api/users"), anonymous: 401, members: 403, admin: 200 },
  {
    name: "PUT /api/users/:id/role",
    request: ({ browser, targetUserId }) => browser.fetch(`/api/users/${targetUserId}/role`, json("PUT", { role: "instructor" })),
    anonymous: 401,
    members: 403,
    admin: 200,
  },
  { name: "GET /api/audit", request: ({ browser }) => browser.fetch("/api/audit"), anonymous: 401, members: 403, admin: 200 },
  // Account actions, email and the dev mailbox
  { name: "POST /account (create token)", request: ({ browser }) => browser.submit("/account", { intent: "create-token", name: "m" }), anonymous: 302, members: 200 },
  { name: "POST /logout", request: ({ browser }) => browser.submit("/logout", {}), anonymous: 302, members: 302, anonymousLocation: /^\/$/ },
  { name: "GET /admin/emails", request: ({ browser }) => browser.fetch("/admin/emails"), anonymous: 302, members: 403, admin: 200 },
  { name: "POST /admin/emails (resend)", request: ({ browser }) => browser.submit("/admin/emails", { emailId: "eml_unknown" }), anonymous: 302, members: 403, admin: 404 },
  { name: "GET /dev/mailbox (not in production)", request: ({ browser }) => browser.fetch("/dev/mailbox"), anonymous: 200, members: 200 },
  {
    name: "GET /courses/:slug/learn/:moduleId (unknown)",
    request: ({ browser }) => browser.fetch("/courses/no-such-course/learn/mod_00000000000000000000000000"),
    anonymous: 302,
    members: 404,
  },
  { name: "GET /admin", request: ({ browser }) => browser.fetch("/admin"), anonymous: 302, members: 403, admin: 200 },
  { name: "GET /api/metrics", request: ({ browser }) => browser.fetch("/api/metrics"), anonymous: 401, members: 403, admin: 200 },
  { name: "GET /no-such-page", request: ({ browser }) => browser.fetch("/no-such-page"), anonymous: 404, members: 404 },
  { name: "GET /api/no-such-endpoint", request: ({ browser }) => browser.fetch("/api/nope"), anonymous: 404, members: 404 },
];

routeMatrix(CASES);

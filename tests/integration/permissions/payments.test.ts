import { type Case, json, routeMatrix } from "./matrix";

// Payments and subscriptions. Add a row for every new route.
const CASES: Case[] = [
  // Payments
  { name: "GET /account/payments", request: ({ browser }) => browser.fetch("/account/payments"), anonymous: 302, members: 200 },
  { name: "GET /account/payments/:id", request: ({ browser }) => browser.fetch("/account/payments/pay_00000000000000000000000000"), anonymous: 302, members: 404 },
  { name: "GET /admin/payments", request: ({ browser }) => browser.fetch("/admin/payments"), anonymous: 302, members: 403, admin: 200 },
  { name: "GET /admin/disputes", request: ({ browser }) => browser.fetch("/admin/disputes"), anonymous: 302, members: 403, admin: 200 },
  { name: "GET /admin/disputes?prepare (unknown)", request: ({ browser }) => browser.fetch("/admin/disputes?prepare=dsp_00000000000000000000000000"), anonymous: 302, members: 403, admin: 404 },
  {
    name: "POST /admin/disputes (submit evidence, unknown dispute)",
    request: ({ browser }) => browser.submit("/admin/disputes", { intent: "submit", disputeId: "dsp_00000000000000000000000000", uncategorized_text: "x", confirm: "yes" }),
    anonymous: 302,
    members: 403,
    admin: 404,
  },
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
  // Subscriptions (docs/subscriptions.md); callers here have no subscription.
  { name: "GET /pricing", request: ({ browser }) => browser.fetch("/pricing"), anonymous: 200, members: 200 },
  { name: "GET /account/billing", request: ({ browser }) => browser.fetch("/account/billing"), anonymous: 302, members: 200 },
  { name: "GET /certificates", request: ({ browser }) => browser.fetch("/certificates"), anonymous: 302, members: 200 },
  { name: "GET /api/subscriptions/current", request: ({ browser }) => browser.fetch("/api/subscriptions/current"), anonymous: 401, members: 200 },
  { name: "GET /api/certificates (Pro feature)", request: ({ browser }) => browser.fetch("/api/certificates"), anonymous: 401, members: 403 },
  { name: "POST /api/subscriptions/create", request: ({ browser }) => browser.fetch("/api/subscriptions/create", json("POST", { tier: "gold" })), anonymous: 401, members: 400 },
  { name: "PUT /api/subscriptions/update", request: ({ browser }) => browser.fetch("/api/subscriptions/update", json("PUT", { tier: "pro", interval: "month" })), anonymous: 401, members: 404 },
  { name: "POST /api/subscriptions/cancel", request: ({ browser }) => browser.fetch("/api/subscriptions/cancel", json("POST", {})), anonymous: 401, members: 404 },
  {
    name: "POST /api/subscriptions/cancel (immediately, another user)",
    request: ({ browser, targetUserId }) => browser.fetch("/api/subscriptions/cancel", json("POST", { immediately: true, userId: targetUserId })),
    anonymous: 401,
    members: 403,
    admin: 404,
  },
  { name: "POST /api/subscriptions/resume", request: ({ browser }) => browser.fetch("/api/subscriptions/resume", { method: "POST" }), anonymous: 401, members: 404 },
];

routeMatrix(CASES);

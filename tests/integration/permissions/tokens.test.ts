import { type Case, json, routeMatrix } from "./matrix";

// Reward tokens and leaderboards. Add a row for every new route.
const CASES: Case[] = [
  // Reward tokens and leaderboards (docs/tokens.md); callers here have no tokens.
  { name: "GET /wallet", request: ({ browser }) => browser.fetch("/wallet"), anonymous: 302, members: 200 },
  {
    name: "POST /wallet (buy a freeze without tokens)",
    request: ({ browser }) => browser.submit("/wallet", { intent: "buy_freeze", requestKey: "req_00000000000000000000000000" }),
    anonymous: 302,
    members: 409,
  },
  { name: "GET /leaderboard", request: ({ browser }) => browser.fetch("/leaderboard"), anonymous: 302, members: 200 },
  { name: "GET /leaderboard?board=friends", request: ({ browser }) => browser.fetch("/leaderboard?board=friends"), anonymous: 302, members: 200 },
  { name: "POST /leaderboard (follow unknown)", request: ({ browser }) => browser.submit("/leaderboard", { intent: "follow", handle: "no-such-learner" }), anonymous: 302, members: 404 },
  { name: "GET /learners/:handle (unknown)", request: ({ browser }) => browser.fetch("/learners/no-such-learner"), anonymous: 302, members: 404 },
  { name: "GET /admin/tokens", request: ({ browser }) => browser.fetch("/admin/tokens"), anonymous: 302, members: 403, admin: 200 },
  {
    name: "POST /admin/tokens (award)",
    request: ({ browser, targetUserId }) => browser.submit("/admin/tokens", { userId: targetUserId, amount: "5", reason: "permission matrix" }),
    anonymous: 302,
    members: 403,
    admin: 200,
  },
  { name: "GET /api/tokens/balance", request: ({ browser }) => browser.fetch("/api/tokens/balance"), anonymous: 401, members: 200 },
  { name: "GET /api/tokens/history", request: ({ browser }) => browser.fetch("/api/tokens/history"), anonymous: 401, members: 200 },
  {
    name: "GET /api/tokens/history?userId=other",
    request: ({ browser, targetUserId }) => browser.fetch(`/api/tokens/history?userId=${targetUserId}`),
    anonymous: 401,
    members: 403,
    admin: 200,
  },
  {
    name: "POST /api/tokens/award",
    request: ({ browser, targetUserId }) => browser.fetch("/api/tokens/award", json("POST", { userId: targetUserId, amount: 5, reason: "matrix" })),
    anonymous: 401,
    members: 403,
    admin: 201,
  },
  { name: "GET /api/tokens/awards", request: ({ browser }) => browser.fetch("/api/tokens/awards"), anonymous: 401, members: 403, admin: 200 },
  {
    name: "POST /api/tokens/awards/:requestId (unknown)",
    request: ({ browser }) => browser.fetch("/api/tokens/awards/tar_00000000000000000000000000", json("POST", { decision: "approve" })),
    anonymous: 401,
    members: 403,
    admin: 404,
  },
  { name: "POST /api/tokens/redeem", request: ({ browser }) => browser.fetch("/api/tokens/redeem", json("POST", { item: "streak_freeze" })), anonymous: 401, members: 409 },
  { name: "GET /api/tokens/profile", request: ({ browser }) => browser.fetch("/api/tokens/profile"), anonymous: 401, members: 200 },
  { name: "PATCH /api/tokens/profile", request: ({ browser }) => browser.fetch("/api/tokens/profile", json("PATCH", { timeZone: "UTC" })), anonymous: 401, members: 200 },
  { name: "GET /api/leaderboard/global", request: ({ browser }) => browser.fetch("/api/leaderboard/global"), anonymous: 401, members: 200 },
  { name: "GET /api/leaderboard/friends", request: ({ browser }) => browser.fetch("/api/leaderboard/friends"), anonymous: 401, members: 200 },
  { name: "GET /api/leaderboard/follows", request: ({ browser }) => browser.fetch("/api/leaderboard/follows"), anonymous: 401, members: 200 },
  { name: "POST /api/leaderboard/follows", request: ({ browser }) => browser.fetch("/api/leaderboard/follows", json("POST", { handle: "no-such-learner" })), anonymous: 401, members: 404 },
  { name: "DELETE /api/leaderboard/follows/:handle", request: ({ browser }) => browser.fetch("/api/leaderboard/follows/no-such-learner", { method: "DELETE" }), anonymous: 401, members: 404 },
];

routeMatrix(CASES);

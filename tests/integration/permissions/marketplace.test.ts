import { type Case, json, routeMatrix, UNKNOWN_COURSE, UNKNOWN_MODULE } from "./matrix";

// Marketplace, learning pages, covers and instructor profiles. Add a row for every new route.
const CASES: Case[] = [
  // Marketplace (docs/marketplace.md); unknown ids answer 404 to those allowed to ask.
  { name: "GET /courses", request: ({ browser }) => browser.fetch("/courses"), anonymous: 200, members: 200 },
  { name: "GET /courses/:slug (unknown)", request: ({ browser }) => browser.fetch("/courses/no-such-course"), anonymous: 404, members: 404 },
  { name: "GET /instructor", request: ({ browser }) => browser.fetch("/instructor"), anonymous: 302, members: 403, instructor: 200, admin: 200 },
  // Learning pages, covers and instructor profiles (docs/marketplace.md "Learning pages").
  { name: "GET /learning", request: ({ browser }) => browser.fetch("/learning"), anonymous: 302, members: 200 },
  { name: "GET /instructor/profile", request: ({ browser }) => browser.fetch("/instructor/profile"), anonymous: 302, members: 403, instructor: 200, admin: 200 },
  { name: "GET /instructors/:userId (unknown)", request: ({ browser }) => browser.fetch("/instructors/usr_00000000000000000000000000"), anonymous: 404, members: 404 },
  { name: "GET /covers/:courseId/:file (unknown)", request: ({ browser }) => browser.fetch(`/covers/${UNKNOWN_COURSE}/0123456789abcdef.png`), anonymous: 404, members: 404 },
  { name: "GET /avatars/:userId/:file (unknown)", request: ({ browser }) => browser.fetch("/avatars/usr_00000000000000000000000000/0123456789abcdef.png"), anonymous: 404, members: 404 },
  { name: "GET /instructor/courses/new", request: ({ browser }) => browser.fetch("/instructor/courses/new"), anonymous: 302, members: 403, instructor: 200, admin: 200 },
  { name: "GET /instructor/courses/:id (unknown)", request: ({ browser }) => browser.fetch(`/instructor/courses/${UNKNOWN_COURSE}`), anonymous: 302, members: 403, instructor: 404, admin: 404 },
  { name: "GET /api/courses/list", request: ({ browser }) => browser.fetch("/api/courses/list"), anonymous: 200, members: 200 },
  { name: "POST /api/courses/upload (not multipart)", request: ({ browser }) => browser.fetch("/api/courses/upload", json("POST", {})), anonymous: 401, members: 403, instructor: 400, admin: 400 },
  { name: "POST /api/courses/purchase", request: ({ browser }) => browser.fetch("/api/courses/purchase", json("POST", { courseId: UNKNOWN_COURSE })), anonymous: 401, members: 404 },
  { name: "GET /api/courses/:id", request: ({ browser }) => browser.fetch(`/api/courses/${UNKNOWN_COURSE}`), anonymous: 404, members: 404 },
  { name: "PATCH /api/courses/:id", request: ({ browser }) => browser.fetch(`/api/courses/${UNKNOWN_COURSE}`, json("PATCH", { status: "draft" })), anonymous: 401, members: 404 },
  { name: "GET /api/courses/:id/reviews", request: ({ browser }) => browser.fetch(`/api/courses/${UNKNOWN_COURSE}/reviews`), anonymous: 404, members: 404 },
  { name: "POST /api/courses/:id/reviews", request: ({ browser }) => browser.fetch(`/api/courses/${UNKNOWN_COURSE}/reviews`, json("POST", { rating: 5 })), anonymous: 401, members: 404 },
  { name: "GET /api/courses/:id/modules/:id/file", request: ({ browser }) => browser.fetch(`/api/courses/${UNKNOWN_COURSE}/modules/${UNKNOWN_MODULE}/file`), anonymous: 401, members: 404 },
  { name: "POST /api/courses/:id/modules/:id/complete", request: ({ browser }) => browser.fetch(`/api/courses/${UNKNOWN_COURSE}/modules/${UNKNOWN_MODULE}/complete`, { method: "POST" }), anonymous: 401, members: 404 },
  { name: "DELETE /api/courses/:id/modules/:id", request: ({ browser }) => browser.fetch(`/api/courses/${UNKNOWN_COURSE}/modules/${UNKNOWN_MODULE}`, { method: "DELETE" }), anonymous: 401, members: 403, instructor: 404, admin: 404 },
  { name: "GET /api/instructor/earnings", request: ({ browser }) => browser.fetch("/api/instructor/earnings"), anonymous: 401, members: 403, instructor: 200, admin: 200 },
];

routeMatrix(CASES);

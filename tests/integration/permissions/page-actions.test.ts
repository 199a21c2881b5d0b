import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { courses, enrollments } from "~drizzle/schema";
import { insertCourse } from "../../marketplace/helpers";
import { db, insertUser, signedInAs } from "../../helpers";
import { coursePublished, json, pageMatrix, paymentUnrefunded, sessionActive, tokenActive, type PageCase } from "./matrix";

/** Page actions and ownership: each row acts on another user's real objects. */
const PAGE_CASES: PageCase[] = [
  // Admin payment actions
  {
    name: "POST /admin/payments (refund another user's payment)",
    request: ({ browser, world }) => browser.submit("/admin/payments", { intent: "refund", paymentId: world.paymentId, amount: "", reason: "matrix" }),
    anonymous: 302,
    members: 403,
    admin: 409, // not paid yet: nothing to refund
    unchanged: paymentUnrefunded,
  },
  { name: "POST /admin/refund-requests (decide an unknown request)", request: ({ browser }) => browser.submit("/admin/refund-requests", { requestId: `rrq_${"0".repeat(26)}`, decision: "approve", confirm: "yes" }), anonymous: 302, members: 403, admin: 404 },
  // Self-service refunds of another user's payment (every role may ask for its own)
  {
    name: "POST /account/payments/:id refund-request (another's payment)",
    request: ({ browser, world }) => browser.submit(`/account/payments/${world.paymentId}`, { intent: "refund-request", paymentId: world.paymentId, confirm: "yes" }),
    anonymous: 302,
    members: 404,
    admin: 404,
    unchanged: paymentUnrefunded,
  },
  {
    name: "POST /courses/:slug refund-request (another's payment)",
    request: ({ browser, world }) => browser.submit(`/courses/${world.course.slug}`, { intent: "refund-request", paymentId: world.paymentId, confirm: "yes" }),
    anonymous: 302,
    members: 404,
    admin: 404,
    unchanged: paymentUnrefunded,
  },
  { name: "POST /admin/payments (replay)", request: ({ browser }) => browser.submit("/admin/payments", { intent: "replay", eventId: "evt_unknown" }), anonymous: 302, members: 403, admin: 404 },
  // Billing and pricing (callers have no subscription)
  { name: "POST /account/billing (cancel)", request: ({ browser }) => browser.submit("/account/billing", { intent: "cancel" }), anonymous: 302, members: 404 },
  { name: "POST /account/billing (preview)", request: ({ browser }) => browser.submit("/account/billing", { intent: "preview", tier: "enterprise", interval: "month" }), anonymous: 302, members: 404 },
  { name: "POST /pricing (upgrade)", request: ({ browser }) => browser.submit("/pricing", { tier: "pro", interval: "month" }), anonymous: 302, members: 302 },
  // The course page's actions on another instructor's real course
  { name: "POST /courses/:slug enroll (free, real course)", request: ({ browser, world }) => browser.submit(`/courses/${world.freeCourse.slug}`, { intent: "enroll" }), anonymous: 302, members: 200 },
  {
    name: "POST /courses/:slug review (not enrolled)",
    request: ({ browser, world }) => browser.submit(`/courses/${world.course.slug}`, { intent: "review", rating: "5", body: "great" }),
    anonymous: 302,
    members: 403,
  },
  {
    name: "POST /courses/:slug unpublish (another's course)",
    request: ({ browser, world }) => browser.submit(`/courses/${world.course.slug}`, { intent: "unpublish" }),
    anonymous: 302,
    members: 403,
    admin: 200,
    unchanged: coursePublished,
    allowedFor: ["admin"],
    freshWorld: true,
  },
  // Instructor pages
  { name: "POST /instructor (connect payouts)", request: ({ browser }) => browser.submit("/instructor", { intent: "connect-payouts" }), anonymous: 302, members: 403, instructor: 302, admin: 302 },
  { name: "GET /instructor/courses/:id (another's course)", request: ({ browser, world }) => browser.fetch(`/instructor/courses/${world.course.id}`), anonymous: 302, members: 403 },
  {
    name: "POST /instructor/courses/:id (archive another's course)",
    request: ({ browser, world }) => browser.submit(`/instructor/courses/${world.course.id}`, { intent: "status", status: "archived" }),
    anonymous: 302,
    members: 403,
    unchanged: coursePublished,
  },
  {
    name: "POST /instructor/courses/:id (delete another's module)",
    request: ({ browser, world }) => browser.submit(`/instructor/courses/${world.course.id}`, { intent: "delete-module", moduleId: world.course.moduleId }),
    anonymous: 302,
    members: 403,
  },
  // API ownership on real objects
  { name: "PATCH /api/courses/:id (another's course)", request: ({ browser, world }) => browser.fetch(`/api/courses/${world.course.id}`, json("PATCH", { title: "Taken over by someone" })), anonymous: 401, members: 403 },
  {
    name: "PATCH /api/courses/:id (archive another's course)",
    request: ({ browser, world }) => browser.fetch(`/api/courses/${world.course.id}`, json("PATCH", { status: "archived" })),
    anonymous: 401,
    members: 403,
    admin: 200,
    unchanged: coursePublished,
    allowedFor: ["admin"],
    freshWorld: true,
  },
  { name: "DELETE /api/courses/:id/modules/:id (another's)", request: ({ browser, world }) => browser.fetch(`/api/courses/${world.course.id}/modules/${world.course.moduleId}`, { method: "DELETE" }), anonymous: 401, members: 403 },
  { name: "GET /api/courses/:id/modules/:id/file (not enrolled)", request: ({ browser, world }) => browser.fetch(`/api/courses/${world.course.id}/modules/${world.course.moduleId}/file`), anonymous: 401, members: 403, admin: 200 },
  { name: "POST /api/courses/:id/reviews (not enrolled)", request: ({ browser, world }) => browser.fetch(`/api/courses/${world.course.id}/reviews`, json("POST", { rating: 5 })), anonymous: 401, members: 403 },
  { name: "GET /api/payments/:id (another's payment)", request: ({ browser, world }) => browser.fetch(`/api/payments/${world.paymentId}`), anonymous: 401, members: 404, admin: 200 },
  { name: "GET /account/payments/:id (another's payment)", request: ({ browser, world }) => browser.fetch(`/account/payments/${world.paymentId}`), anonymous: 302, members: 404, admin: 200 },
  { name: "GET /api/payments/history?userId= (another's)", request: ({ browser, world }) => browser.fetch(`/api/payments/history?userId=${world.buyer.id}`), anonymous: 401, members: 403, admin: 200 },
  {
    name: "POST /api/payments/refund (another's payment)",
    request: ({ browser, world }) => browser.fetch("/api/payments/refund", json("POST", { paymentId: world.paymentId, reason: "matrix" })),
    anonymous: 401,
    members: 403,
    admin: 409,
    unchanged: paymentUnrefunded,
  },
  {
    name: "POST /api/payments/refund-requests (another's payment)",
    request: ({ browser, world }) => browser.fetch("/api/payments/refund-requests", json("POST", { paymentId: world.paymentId })),
    anonymous: 401,
    members: 404,
    admin: 404,
    unchanged: paymentUnrefunded,
  },
  { name: "DELETE /api/api-keys/:id (another's key)", request: ({ browser, world }) => browser.fetch(`/api/api-keys/${world.tokenId}`, { method: "DELETE" }), anonymous: 401, members: 404, unchanged: tokenActive },
  { name: "POST /account revoke-token (another's token)", request: ({ browser, world }) => browser.submit("/account", { intent: "revoke-token", tokenId: world.tokenId }), anonymous: 302, members: 404, unchanged: tokenActive },
  { name: "POST /account revoke-session (another's session)", request: ({ browser, world }) => browser.submit("/account", { intent: "revoke-session", sessionId: world.sessionId }), anonymous: 302, members: 404, unchanged: sessionActive },
];

pageMatrix(PAGE_CASES);

describe("course moderation", () => {
  it("an owner cannot republish a course an admin archived; an admin can lift it", async () => {
    const owner = await signedInAs("instructor");
    const course = await insertCourse(owner.user.id, { priceAmount: 1500 });
    const admin = await signedInAs("admin");
    const archived = await admin.browser.json(`/api/courses/${course.id}`, json("PATCH", { status: "archived" }));
    expect(archived.status).toBe(200);
    expect((await db().select().from(courses).where(eq(courses.id, course.id)).get())!.archivedBy).toBe(admin.user.id);
    for (const status of ["published", "unlisted", "draft"]) {
      const res = await owner.browser.json(`/api/courses/${course.id}`, json("PATCH", { status }));
      expect(res.status, status).toBe(403);
      expect(res.body.error.message).toMatch(/admin archived/);
    }
    const viaPage = await owner.browser.submit(`/instructor/courses/${course.id}`, { intent: "status", status: "published" });
    expect(viaPage.status).toBe(403);
    expect((await db().select().from(courses).where(eq(courses.id, course.id)).get())!.status).toBe("archived");
    // The owner may still fix the details, just not the status.
    expect((await owner.browser.json(`/api/courses/${course.id}`, json("PATCH", { title: "Fixed course title" }))).status).toBe(200);
    // An admin moves it back to draft: the lock is lifted and the owner can publish again.
    expect((await admin.browser.json(`/api/courses/${course.id}`, json("PATCH", { status: "draft" }))).status).toBe(200);
    const republished = await owner.browser.json(`/api/courses/${course.id}`, json("PATCH", { status: "published" }));
    expect(republished.status).toBe(200);
    expect((await db().select().from(courses).where(eq(courses.id, course.id)).get())!.archivedBy).toBeNull();
  });

  it("an owner who archives their own course can bring it back", async () => {
    const owner = await signedInAs("instructor");
    const course = await insertCourse(owner.user.id, { priceAmount: 1500 });
    expect((await owner.browser.json(`/api/courses/${course.id}`, json("PATCH", { status: "archived" }))).status).toBe(200);
    expect((await owner.browser.json(`/api/courses/${course.id}`, json("PATCH", { status: "published" }))).status).toBe(200);
  });

  it("enrolling in a free course really enrolls (the page's enroll row)", async () => {
    const owner = await insertUser("instructor");
    const free = await insertCourse(owner.id, { priceAmount: 0 });
    const { user, browser } = await signedInAs("student");
    expect((await browser.submit(`/courses/${free.slug}`, { intent: "enroll" })).status).toBe(200);
    expect(await db().select().from(enrollments).where(and(eq(enrollments.userId, user.id), eq(enrollments.courseId, free.id))).get()).toBeTruthy();
  });
});

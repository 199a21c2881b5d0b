import { and, eq, isNull } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { apiTokens, courses, enrollments, licenses, organizationMembers, organizations, payments, sessions, type Role } from "~drizzle/schema";
import { createId } from "~/utils/ids";
import { insertCourse } from "../marketplace/helpers";
import { Browser, db, insertUser, PASSWORD, signedInAs } from "../helpers";

type Who = Role | "anonymous";
const EVERYONE: Who[] = ["anonymous", "student", "instructor", "enterprise", "admin"];

type Case = {
  name: string;
  request: (ctx: { browser: Browser; targetUserId: string; other: () => Promise<{ organizationId: string; licenseId: string }> }) => Promise<Response>;
  /** Expected status per caller; anything not listed uses `members`. */
  anonymous: number;
  members: number;
  admin?: number;
  /** Instructors, when they differ from other members. */
  instructor?: number;
  /** Where a 302 sends anonymous callers (default: the login page, remembering the target). */
  anonymousLocation?: RegExp;
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
const UNKNOWN_COURSE = "crs_00000000000000000000000000";
const UNKNOWN_MODULE = "mod_00000000000000000000000000";

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
  { name: "POST /api/tokens/redeem", request: ({ browser }) => browser.fetch("/api/tokens/redeem", json("POST", { item: "streak_freeze" })), anonymous: 401, members: 409 },
  { name: "GET /api/tokens/profile", request: ({ browser }) => browser.fetch("/api/tokens/profile"), anonymous: 401, members: 200 },
  { name: "PATCH /api/tokens/profile", request: ({ browser }) => browser.fetch("/api/tokens/profile", json("PATCH", { timeZone: "UTC" })), anonymous: 401, members: 200 },
  { name: "GET /api/leaderboard/global", request: ({ browser }) => browser.fetch("/api/leaderboard/global"), anonymous: 401, members: 200 },
  { name: "GET /api/leaderboard/friends", request: ({ browser }) => browser.fetch("/api/leaderboard/friends"), anonymous: 401, members: 200 },
  { name: "GET /api/leaderboard/follows", request: ({ browser }) => browser.fetch("/api/leaderboard/follows"), anonymous: 401, members: 200 },
  { name: "POST /api/leaderboard/follows", request: ({ browser }) => browser.fetch("/api/leaderboard/follows", json("POST", { handle: "no-such-learner" })), anonymous: 401, members: 404 },
  { name: "DELETE /api/leaderboard/follows/:handle", request: ({ browser }) => browser.fetch("/api/leaderboard/follows/no-such-learner", { method: "DELETE" }), anonymous: 401, members: 404 },
  { name: "GET /api/no-such-endpoint", request: ({ browser }) => browser.fetch("/api/nope"), anonymous: 404, members: 404 },
  // Enterprise licensing (docs/licensing.md). `other()` is an organization (and license) the caller is not in.
  { name: "GET /enterprise (no organization)", request: ({ browser }) => browser.fetch("/enterprise"), anonymous: 302, members: 200 },
  { name: "GET /enterprise (another organization)", request: async ({ browser, other }) => browser.fetch(`/enterprise?organizationId=${(await other()).organizationId}`), anonymous: 302, members: 404, admin: 200 },
  { name: "POST /enterprise (deactivate unknown machine)", request: ({ browser }) => browser.submit("/enterprise", { intent: "deactivate-machine", machineId: "mch_unknown" }), anonymous: 302, members: 404 },
  { name: "GET /admin/licenses", request: ({ browser }) => browser.fetch("/admin/licenses"), anonymous: 302, members: 403, admin: 200 },
  { name: "POST /admin/licenses (suspend another organization's)", request: async ({ browser, other }) => browser.submit("/admin/licenses", { intent: "change", licenseId: (await other()).licenseId, action: "suspend" }), anonymous: 302, members: 403, admin: 200 },
  { name: "POST /api/enterprise/licenses/create", request: ({ browser }) => browser.fetch("/api/enterprise/licenses/create", json("POST", {})), anonymous: 401, members: 403, admin: 400 },
  { name: "GET /api/enterprise/licenses/:id (another organization's)", request: async ({ browser, other }) => browser.fetch(`/api/enterprise/licenses/${(await other()).licenseId}`), anonymous: 401, members: 404, admin: 200 },
  { name: "POST /api/enterprise/licenses/:id (suspend)", request: async ({ browser, other }) => browser.fetch(`/api/enterprise/licenses/${(await other()).licenseId}`, json("POST", { action: "suspend" })), anonymous: 401, members: 403, admin: 200 },
  { name: "GET /api/enterprise/licenses/:id/offline-file (another organization's)", request: async ({ browser, other }) => browser.fetch(`/api/enterprise/licenses/${(await other()).licenseId}/offline-file`), anonymous: 401, members: 404, admin: 200 },
  { name: "GET /api/enterprise/usage (no organization)", request: ({ browser }) => browser.fetch("/api/enterprise/usage"), anonymous: 401, members: 404 },
  { name: "GET /api/enterprise/usage (another organization)", request: async ({ browser, other }) => browser.fetch(`/api/enterprise/usage?organizationId=${(await other()).organizationId}`), anonymous: 401, members: 404, admin: 200 },
  {
    name: "POST /api/enterprise/branding (another organization)",
    request: async ({ browser, other }) => browser.fetch("/api/enterprise/branding", { method: "POST", body: new URLSearchParams({ organizationId: (await other()).organizationId, name: "Mine now" }) }),
    anonymous: 401,
    members: 404,
    admin: 200,
  },
  { name: "GET /api/enterprise/licenses/validate (key-authenticated)", request: ({ browser }) => browser.fetch("/api/enterprise/licenses/validate?key=nope"), anonymous: 200, members: 200 },
  { name: "POST /api/enterprise/licenses/activate (bad key)", request: ({ browser }) => browser.fetch("/api/enterprise/licenses/activate", json("POST", { key: "nope", fingerprint: "fp-00000001" })), anonymous: 403, members: 403 },
  { name: "POST /api/enterprise/licenses/deactivate (bad key)", request: ({ browser }) => browser.fetch("/api/enterprise/licenses/deactivate", json("POST", { key: "nope", fingerprint: "fp-00000001" })), anonymous: 403, members: 403 },
  { name: "GET /api/enterprise/licenses/public-key", request: ({ browser }) => browser.fetch("/api/enterprise/licenses/public-key"), anonymous: 200, members: 200 },
  { name: "GET /branding/:org/:file (unknown)", request: ({ browser }) => browser.fetch("/branding/org_00000000000000000000000000/0123456789abcdef.png"), anonymous: 404, members: 404 },
];

/** An organization with an active Enterprise license that the caller does not belong to. */
async function otherOrganization() {
  const owner = await insertUser("enterprise");
  const t = Date.now();
  const organizationId = createId("organization");
  const licenseId = createId("license");
  await db().batch([
    db().insert(organizations).values({ id: organizationId, name: "Other Org", ownerId: owner.id, createdAt: t, updatedAt: t }),
    db().insert(organizationMembers).values({ organizationId, userId: owner.id, role: "owner", createdAt: t }),
    db().insert(licenses).values({ id: licenseId, organizationId, tier: "enterprise", status: "active", source: "manual", features: ["white_label"], maxSeats: 5, maxMachines: 5, metadata: {}, startsAt: t, expiresAt: t + 86_400_000, createdAt: t, updatedAt: t }),
  ]);
  return { organizationId, licenseId };
}

// One test per route, each caller in turn (anonymous first, admin last), each with its own fresh
// user and target: a test per (route, caller) pair spent most of the run on per-test storage.
describe("every route, every caller", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    for (const who of EVERYONE) {
      const browser = who === "anonymous" ? new Browser() : (await signedInAs(who)).browser;
      const target = await insertUser("student");
      const expected = who === "anonymous" ? c.anonymous : who === "admin" ? (c.admin ?? c.members) : who === "instructor" ? (c.instructor ?? c.members) : c.members;
      const response = await c.request({ browser, targetUserId: target.id, other: otherOrganization });
      expect(response.status, `${who} ${c.name}`).toBe(expected);
      if (expected === 302 && who === "anonymous") expect(response.headers.get("Location"), `${who} ${c.name}`).toMatch(c.anonymousLocation ?? /^\/login\?redirectTo=/);
      const url = new URL(response.url || "http://localhost" + c.name.split(" ")[1]);
      if (url.pathname.startsWith("/api/") && expected >= 400) {
        expect(response.headers.get("Content-Type"), `${who} ${c.name}`).toContain("application/json");
        expect(await response.json(), `${who} ${c.name}`).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
      } else await response.body?.cancel();
    }
  });
});

/**
 * Another user's REAL objects: an instructor's published paid course (with a module file) and a
 * free one, and a learner's open payment for the paid course, API token and session.
 */
async function otherUsersWorld() {
  const owner = await insertUser("instructor");
  const course = await insertCourse(owner.id, { priceAmount: 2500 });
  const freeCourse = await insertCourse(owner.id, { priceAmount: 0 });
  const buyer = await insertUser("student");
  const buyerBrowser = new Browser();
  await buyerBrowser.login(buyer.email, PASSWORD);
  const started = await buyerBrowser.json("/api/courses/purchase", json("POST", { courseId: course.id }));
  if (started.status !== 201) throw new Error(`purchase failed: ${started.status}`);
  const token = await buyerBrowser.json("/api/api-keys", json("POST", { name: "buyer's script" }));
  const session = await db().select().from(sessions).where(eq(sessions.userId, buyer.id)).get();
  return { owner, course, freeCourse, buyer, paymentId: started.body.payment.paymentId as string, tokenId: token.body.id as string, sessionId: session!.id };
}
type World = Awaited<ReturnType<typeof otherUsersWorld>>;

type PageCase = {
  name: string;
  request: (ctx: { browser: Browser; world: World }) => Promise<Response>;
  anonymous: number;
  members: number;
  instructor?: number;
  admin?: number;
  /** Checked after the request for everyone except `allowedFor`: the other user's objects are unchanged. */
  unchanged?: (world: World) => Promise<void>;
  allowedFor?: Who[];
  /** Rows that some role may legitimately carry out get their own world, so they change no other row's. */
  freshWorld?: boolean;
};

const coursePublished = async (w: World) => expect((await db().select().from(courses).where(eq(courses.id, w.course.id)).get())!.status).toBe("published");
const tokenActive = async (w: World) => expect(await db().select().from(apiTokens).where(and(eq(apiTokens.id, w.tokenId), isNull(apiTokens.revokedAt))).get()).toBeTruthy();
const sessionActive = async (w: World) => expect(await db().select().from(sessions).where(and(eq(sessions.id, w.sessionId), isNull(sessions.revokedAt))).get()).toBeTruthy();
const paymentUnrefunded = async (w: World) => expect((await db().select().from(payments).where(eq(payments.id, w.paymentId)).get())!.amountRefunded).toBe(0);

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
  { name: "DELETE /api/api-keys/:id (another's key)", request: ({ browser, world }) => browser.fetch(`/api/api-keys/${world.tokenId}`, { method: "DELETE" }), anonymous: 401, members: 404, unchanged: tokenActive },
  { name: "POST /account revoke-token (another's token)", request: ({ browser, world }) => browser.submit("/account", { intent: "revoke-token", tokenId: world.tokenId }), anonymous: 302, members: 404, unchanged: tokenActive },
  { name: "POST /account revoke-session (another's session)", request: ({ browser, world }) => browser.submit("/account", { intent: "revoke-session", sessionId: world.sessionId }), anonymous: 302, members: 404, unchanged: sessionActive },
];

describe.each(EVERYONE)("page actions and ownership as %s", (who) => {
  // One world per role (building one is several requests); rows that may change it get their own.
  let shared: World;
  beforeAll(async () => {
    shared = await otherUsersWorld();
  }, 120_000);
  it.each(PAGE_CASES.map((c) => [c.name, c] as const))("%s", { timeout: 60_000 }, async (_name, c) => {
    const world = c.freshWorld ? await otherUsersWorld() : shared;
    const browser = who === "anonymous" ? new Browser() : (await signedInAs(who)).browser;
    const expected = who === "anonymous" ? c.anonymous : who === "admin" ? (c.admin ?? c.members) : who === "instructor" ? (c.instructor ?? c.members) : c.members;
    const response = await c.request({ browser, world });
    expect(response.status, `${who} ${c.name}`).toBe(expected);
    if (expected === 302 && who === "anonymous") expect(response.headers.get("Location")).toMatch(/^\/login\?redirectTo=/);
    if (c.unchanged && !c.allowedFor?.includes(who)) await c.unchanged(world);
  });
});

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

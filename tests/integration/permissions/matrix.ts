import { and, eq, isNull } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { apiTokens, courses, licenses, organizationMembers, organizations, payments, sessions, type Role } from "~drizzle/schema";
import { createId } from "~/utils/ids";
import { insertCourse } from "../../marketplace/helpers";
import { Browser, db, insertUser, PASSWORD, signedInAs } from "../../helpers";

// The permission matrix: every route for every role and for anonymous callers, and page actions on
// other users' real objects. The rows live in the test files beside this one, one per area: each
// file gets a fresh workerd, and the vitest pool's SELF.fetch slows down with every request one
// instance has served (cloudflare/workers-sdk#15446): as one file of ~2,000 requests it took 12 min.

export type Who = Role | "anonymous";
export const EVERYONE: Who[] = ["anonymous", "student", "instructor", "enterprise", "admin"];

export type Case = {
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

export const json = (method: string, body: unknown) => ({
  method,
  body: JSON.stringify(body),
  headers: { "Content-Type": "application/json" },
});

export const UNKNOWN_COURSE = "crs_00000000000000000000000000";
export const UNKNOWN_MODULE = "mod_00000000000000000000000000";

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
/**
 * One test per route of `cases`, for every role and for anonymous callers. Pages redirect anonymous
 * users to the login page (302); the API answers 401 (a JSON error body).
 */
export function routeMatrix(cases: Case[]) {
  describe("every route, every caller", () => {
    it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
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
}

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
export type World = Awaited<ReturnType<typeof otherUsersWorld>>;

export type PageCase = {
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

export const coursePublished = async (w: World) => expect((await db().select().from(courses).where(eq(courses.id, w.course.id)).get())!.status).toBe("published");
export const tokenActive = async (w: World) => expect(await db().select().from(apiTokens).where(and(eq(apiTokens.id, w.tokenId), isNull(apiTokens.revokedAt))).get()).toBeTruthy();
export const sessionActive = async (w: World) => expect(await db().select().from(sessions).where(and(eq(sessions.id, w.sessionId), isNull(sessions.revokedAt))).get()).toBeTruthy();
export const paymentUnrefunded = async (w: World) => expect((await db().select().from(payments).where(eq(payments.id, w.paymentId)).get())!.amountRefunded).toBe(0);

export function pageMatrix(cases: PageCase[]) {
  describe.each(EVERYONE)("page actions and ownership as %s", (who) => {
    // One world per role (building one is several requests); rows that may change it get their own.
    let shared: World;
    beforeAll(async () => {
      shared = await otherUsersWorld();
    }, 120_000);
    it.each(cases.map((c) => [c.name, c] as const))("%s", { timeout: 60_000 }, async (_name, c) => {
      const world = c.freshWorld ? await otherUsersWorld() : shared;
      const browser = who === "anonymous" ? new Browser() : (await signedInAs(who)).browser;
      const expected = who === "anonymous" ? c.anonymous : who === "admin" ? (c.admin ?? c.members) : who === "instructor" ? (c.instructor ?? c.members) : c.members;
      const response = await c.request({ browser, world });
      expect(response.status, `${who} ${c.name}`).toBe(expected);
      if (expected === 302 && who === "anonymous") expect(response.headers.get("Location")).toMatch(/^\/login\?redirectTo=/);
      if (c.unchanged && !c.allowedFor?.includes(who)) await c.unchanged(world);
    });
  });
}

import { describe, expect, it } from "vitest";
import { Browser, insertUser, signedInAs } from "../helpers";
import { D1Meter } from "~/modules/observability/d1-meter";
import { insertCourse } from "../marketplace/helpers";

// The D1 round-trip budget (issue 16): every response outside production says in Server-Timing how
// many D1 round trips it made and how many of them had to wait for one another (sequential; see
// app/modules/observability/d1-meter.ts). Far-away users pay one trip to D1's primary per
// sequential round trip, so each page and API route is held to a budget here.
function d1Cost(res: Response) {
  const match = /d1;desc="queries=(\d+) sequential=(\d+)"/.exec(res.headers.get("Server-Timing") ?? "");
  if (!match) throw new Error("no d1 Server-Timing");
  return { queries: Number(match[1]), sequential: Number(match[2]) };
}

/**
 * [path, queries, sequential] budgets. The goal is at most two sequential round trips for
 * signed-in pages and API calls: the session (shared by the root and route loaders, beside the
 * white-label lookup) and then the page's data, read together.
 */
type Budget = [path: string, queries: number, sequential: number];
const COURSE = "/courses/:slug";
const COURSE_API = "/api/courses/:id";
const REVIEWS_API = "/api/courses/:id/reviews";

// Anonymous, edge cache miss (the tests read the cache version from D1 on every request: +1 below).
// `/courses` unfiltered also reads the newest bundles, beside the courses (3 queries, still 2 sequential).
const ANONYMOUS: Budget[] = [["/", 1, 1], ["/courses", 3, 2], [COURSE, 5, 3], ["/pricing", 1, 1], ["/api/health", 1, 1], ["/api/courses/list", 1, 1], [COURSE_API, 3, 2], [REVIEWS_API, 2, 2]];
// Anonymous, edge cache hit: only the version read (none in production within EDGE_CACHE_VERSION_TTL_MS).
const CACHE_HIT: Budget[] = [["/", 1, 1], ["/courses", 1, 1], [COURSE, 1, 1], ["/pricing", 1, 1]];
const SIGNED_IN: Budget[] = [
  ["/", 2, 1],
  ["/courses", 4, 1], // with the bundle row, in parallel
  [COURSE, 12, 2],
  ["/pricing", 5, 2],
  ["/account", 4, 2],
  ["/account/billing", 6, 2],
  ["/account/payments", 4, 2],
  ["/api/health", 1, 1],
  ["/api/me", 1, 1],
  ["/api/courses/list", 2, 2],
  [COURSE_API, 5, 2],
  ["/api/payments/history", 3, 2],
  ["/api/subscriptions/current", 3, 2],
  ["/api/api-keys", 2, 2],
  [REVIEWS_API, 3, 2],
];
/** Routes allowed over the two-sequential goal: none. */
export const OVER_GOAL: string[] = [];

async function costs(browser: Browser, budgets: Budget[], resolve: (path: string) => string) {
  const seen: Budget[] = [];
  for (const [path] of budgets) {
    const res = await browser.fetch(resolve(path), path.startsWith("/api/") ? { headers: { Accept: "application/json" } } : {});
    await res.arrayBuffer();
    expect([path, res.status]).toEqual([path, 200]);
    const { queries, sequential } = d1Cost(res);
    seen.push([path, queries, sequential]);
  }
  return seen;
}

const within = (seen: Budget[], budgets: Budget[]) =>
  seen.map(([path, q, s], i) => ({ path, ok: q <= budgets[i]![1] && s <= budgets[i]![2], seen: `${q} queries, ${s} sequential`, budget: `${budgets[i]![1]}, ${budgets[i]![2]}` })).filter((r) => !r.ok);

describe("D1 round-trip budget", () => {
  it("holds every page and API route to its budget, anonymous, from the edge cache and signed in", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { title: "Budgeted" });
    const resolve = (path: string) => path.replace(":slug", course.slug).replace(":id", course.id);
    expect(within(await costs(new Browser(), ANONYMOUS, resolve), ANONYMOUS)).toEqual([]);
    expect(within(await costs(new Browser(), CACHE_HIT, resolve), CACHE_HIT)).toEqual([]);
    const learner = await signedInAs("student");
    expect(within(await costs(learner.browser, SIGNED_IN, resolve), SIGNED_IN)).toEqual([]);
    // Every signed-in route not listed as over the goal makes at most two sequential round trips.
    expect(SIGNED_IN.filter(([path, , s]) => s > 2 && !OVER_GOAL.includes(path))).toEqual([]);
  });

  it("counts round trips run together as one sequential step", async () => {
    const { env } = await import("cloudflare:test");
    const { D1Meter } = await import("~/modules/observability/d1-meter");
    const meter = new D1Meter(env.DB);
    const q = () => meter.binding.prepare("select 1 as ok").first();
    await Promise.all([q(), q(), meter.binding.batch([meter.binding.prepare("select 1"), meter.binding.prepare("select 2")])]);
    expect([meter.queries, meter.sequential]).toEqual([3, 1]);
    await q();
    expect([meter.queries, meter.sequential]).toEqual([4, 2]);
  });

  it("shares one session lookup per request until something is written", async () => {
    const { env, createExecutionContext } = await import("cloudflare:test");
    const { createAppContext } = await import("../../workers/app");
    const { getSessionUser } = await import("~/modules/auth/session.server");
    const { users } = await import("~drizzle/schema");
    const { eq } = await import("drizzle-orm");
    const { user, browser } = await signedInAs("student");
    const request = new Request("http://localhost/account", { headers: { Cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } });
    const meter = new D1Meter(env.DB);
    const app = createAppContext(env, createExecutionContext(), "req_memo", "", meter);
    // Root and route loaders ask together: one query.
    const [a, b] = await Promise.all([getSessionUser(app, request), getSessionUser(app, request)]);
    expect([a?.id, b?.id, meter.queries]).toEqual([user.id, user.id, 1]);
    expect((await getSessionUser(app, request))?.id).toBe(user.id);
    expect(meter.queries).toBe(1);
    // An action changes the user: the loaders after it read again and see the change.
    await app.db.update(users).set({ name: "Renamed in the action" }).where(eq(users.id, user.id)).run();
    expect((await getSessionUser(app, request))?.name).toBe("Renamed in the action");
    expect(meter.queries).toBe(3);
  });
});

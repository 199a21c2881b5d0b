import { describe, expect, it } from "vitest";
import { Browser, insertUser, signedInAs } from "../helpers";
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

type Budget = { path: string; sequential: number; queries: number };

async function measure(browser: Browser, budgets: Budget[]) {
  const seen: Array<Budget & { status: number }> = [];
  for (const b of budgets) {
    const res = await browser.fetch(b.path, b.path.startsWith("/api/") ? { headers: { Accept: "application/json" } } : {});
    await res.arrayBuffer();
    seen.push({ path: b.path, status: res.status, ...d1Cost(res) });
  }
  return seen;
}

describe("D1 round-trip budget", () => {
  it("measures", async () => {
    const owner = await insertUser("instructor");
    const course = await insertCourse(owner.id, { title: "Budgeted" });
    const learner = await signedInAs("student");
    const paths = ["/", "/courses", `/courses/${course.slug}`, "/pricing", "/account", "/account/billing", "/account/payments", "/api/health", "/api/me", "/api/courses/list", `/api/courses/${course.id}`, "/api/payments/history", "/api/subscriptions/current", "/api/tokens", `/api/courses/${course.id}/reviews`];
    const anon = await measure(new Browser(), paths.map((path) => ({ path, sequential: 0, queries: 0 })));
    const anonHit = await measure(new Browser(), paths.map((path) => ({ path, sequential: 0, queries: 0 })));
    const signed = await measure(learner.browser, paths.map((path) => ({ path, sequential: 0, queries: 0 })));
    console.log(JSON.stringify({ anon, anonHit, signed }, null, 1));
    expect(true).toBe(true);
  });
});

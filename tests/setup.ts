import { applyD1Migrations, env } from "cloudflare:test";
import { afterEach, expect } from "vitest";
import { resetClock } from "~/utils/clock";
import { guardD1Limits, takeD1LimitViolations } from "./d1-limits";

// The real migrations, applied to this test file's isolated D1 (idempotent across tests).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// D1's per-statement limits (tests/d1-limits.ts), which local SQLite does not enforce: the binding the
// tests and the Worker under test share refuses what production D1 would refuse.
env.DB = guardD1Limits(env.DB);
if (!(await import("cloudflare:workers")).env.DB[Symbol.for("coursemint.d1-limits-guard") as never]) {
  throw new Error("tests/setup.ts: the D1 limits guard did not reach the Worker's env");
}

afterEach(() => {
  resetClock();
  const crossed = takeD1LimitViolations();
  // Fails the test even when the app caught the error (a 500 page, a logged job failure).
  expect(crossed, "statements that production D1 would refuse").toEqual([]);
});

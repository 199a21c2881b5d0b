import { eq, inArray, sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { MINUTE, now } from "~/utils/clock";
import { AppError } from "~/utils/errors";
import { loginThrottle } from "~drizzle/schema";

/** Failed sign-ins allowed per window before the key is locked for LOCK_MS. */
export const THROTTLE_RULES = {
  email: { maxFailures: 5, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
  ip: { maxFailures: 20, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
} as const;

export function throttleKeys(email: string, ip: string | null) {
  const keys: { key: string; kind: keyof typeof THROTTLE_RULES }[] = [{ key: `email:${email}`, kind: "email" }];
  if (ip) keys.push({ key: `ip:${ip}`, kind: "ip" });
  return keys;
}

/** Throws 429 with Retry-After when any key is locked. */
export async function assertNotThrottled(app: AppContext, keys: ReturnType<typeof throttleKeys>) {
  const t = now();
  const rows = await app.db
    .select()
    .from(loginThrottle)
    .where(inArray(loginThrottle.key, keys.map((k) => k.key)))
    .all();
  const lockedUntil = Math.max(0, ...rows.map((r) => r.lockedUntil ?? 0));
  if (lockedUntil > t) {
    const seconds = Math.ceil((lockedUntil - t) / 1000);
    throw new AppError("rate_limited", "Too many failed sign-in attempts. Please wait a few minutes and try again.", {
      headers: { "Retry-After": String(seconds) },
      details: { retryAfterSeconds: seconds },
    });
  }
}

/** Counts a failure for every key in one atomic upsert each; locks keys that pass their limit. */
export async function recordFailure(app: AppContext, keys: ReturnType<typeof throttleKeys>) {
  const t = now();
  const statements = keys.map(({ key, kind }) => {
    const rule = THROTTLE_RULES[kind];
    const windowStart = t - rule.windowMs;
    return app.db
      .insert(loginThrottle)
      .values({ key, failures: 1, windowStartedAt: t, lockedUntil: null })
      .onConflictDoUpdate({
        target: loginThrottle.key,
        set: {
          failures: sql`CASE WHEN ${loginThrottle.windowStartedAt} < ${windowStart} THEN 1 ELSE ${loginThrottle.failures} + 1 END`,
          windowStartedAt: sql`CASE WHEN ${loginThrottle.windowStartedAt} < ${windowStart} THEN ${t} ELSE ${loginThrottle.windowStartedAt} END`,
          lockedUntil: sql`CASE WHEN ${loginThrottle.windowStartedAt} >= ${windowStart} AND ${loginThrottle.failures} + 1 >= ${rule.maxFailures} THEN ${t + rule.lockMs} ELSE ${loginThrottle.lockedUntil} END`,
        },
      });
  });
  const [first, ...rest] = statements;
  if (first) await app.db.batch([first, ...rest]);
}

export async function clearFailures(app: AppContext, email: string) {
  await app.db.delete(loginThrottle).where(eq(loginThrottle.key, `email:${email}`)).run();
}

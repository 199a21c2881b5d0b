import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { MINUTE, now } from "~/utils/clock";
import { AppError } from "~/utils/errors";
import { loginThrottle } from "~drizzle/schema";

/**
 * Failed sign-ins (and sign-up attempts and password reset requests, which can each send an email)
 * allowed per window before the key is locked for lockMs.
 */
export const THROTTLE_RULES = {
  email: { maxFailures: 5, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
  ip: { maxFailures: 20, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
  signupEmail: { maxFailures: 5, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
  signupIp: { maxFailures: 20, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
  passwordResetIp: { maxFailures: 20, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
  /** Promotion codes that do not apply, per account (marketplace/coupons.server.ts): codes cannot be guessed. */
  couponCode: { maxFailures: 10, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
} as const;

export type ThrottleKeys = { key: string; kind: keyof typeof THROTTLE_RULES }[];

/** The log-in throttle key of an address. */
const emailKey = (email: string) => `email:${email}`;

export function throttleKeys(email: string, ip: string | null): ThrottleKeys {
  const keys: ThrottleKeys = [{ key: emailKey(email), kind: "email" }];
  if (ip) keys.push({ key: `ip:${ip}`, kind: "ip" });
  return keys;
}

/** A loopback client: only a local `npm start` (every browser there is 127.0.0.1); never behind Cloudflare. */
const isLoopback = (ip: string) => ip === "::1" || ip.startsWith("127.");

/**
 * Sign-up attempts, counted per address and per client whatever their outcome (each one sends an
 * email). Loopback clients are counted per address only: on a local app everyone shares 127.0.0.1.
 */
export function signupThrottleKeys(email: string, ip: string | null): ThrottleKeys {
  const keys: ThrottleKeys = [{ key: `signup-email:${email}`, kind: "signupEmail" }];
  if (ip && !isLoopback(ip)) keys.push({ key: `signup-ip:${ip}`, kind: "signupIp" });
  return keys;
}

/**
 * "Forgot your password?" requests, counted per client whatever the address (so a 429 says nothing
 * about accounts); per account, password-reset.server.ts caps the links themselves. Loopback
 * clients are not counted, as for sign-ups.
 */
export function passwordResetThrottleKeys(ip: string | null): ThrottleKeys {
  return ip && !isLoopback(ip) ? [{ key: `password-reset-ip:${ip}`, kind: "passwordResetIp" }] : [];
}

const LOGIN_LOCKED = "Too many failed sign-in attempts. Please wait a few minutes and try again.";

/** Throws 429 with Retry-After when any key is locked. */
export async function assertNotThrottled(app: AppContext, keys: ThrottleKeys, message = LOGIN_LOCKED) {
  const t = now();
  const rows = await app.db
    .select()
    .from(loginThrottle)
    .where(inArray(loginThrottle.key, keys.map((k) => k.key)))
    .all();
  const lockedUntil = Math.max(0, ...rows.map((r) => r.lockedUntil ?? 0));
  if (lockedUntil > t) {
    const seconds = Math.ceil((lockedUntil - t) / 1000);
    throw new AppError("rate_limited", message, {
      headers: { "Retry-After": String(seconds) },
      details: { retryAfterSeconds: seconds },
    });
  }
}

/** Counts a failure for every key in one atomic upsert each; locks keys that pass their limit. */
export async function recordFailure(app: AppContext, keys: ThrottleKeys) {
  const [first, ...rest] = failureStatements(app, keys);
  if (first) await app.db.batch([first, ...rest]);
}

/** The upserts of recordFailure, for callers that batch them with their own writes. */
export function failureStatements(app: AppContext, keys: ThrottleKeys) {
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
  return statements;
}

export async function clearFailures(app: AppContext, email: string) {
  await clearFailuresStatement(app, email).run();
}

/** The DELETE behind clearFailures, for callers that batch it; `onlyIf` adds a condition (a claim the batch made). */
export function clearFailuresStatement(app: AppContext, email: string, onlyIf?: SQL) {
  return app.db.delete(loginThrottle).where(and(eq(loginThrottle.key, emailKey(email)), onlyIf));
}

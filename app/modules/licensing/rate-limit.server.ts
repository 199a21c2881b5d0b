import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { AppError } from "~/utils/errors";
import { isolateState } from "./isolate-state";
import { RATE_LIMITS, type RateLimitName } from "./policy";

/*
 * Rate limits of the key-authenticated endpoints, held by Cloudflare's Rate Limiting binding:
 * one counter per key in each Cloudflare location, shared by every isolate there (the earlier
 * counters lived in each isolate's memory, so N isolates allowed N times the limit). The binding
 * answers from the machine the Worker runs on and syncs in the background, so a check costs no
 * D1 query and no cross-region trip (docs/decisions/005-licensing.md). Limits and periods are in
 * wrangler.toml; RATE_LIMITS in policy.ts names them.
 *
 * Two ways to apply them: `enforce` waits for the counters (activation, deactivation, check-ins,
 * heartbeats), `enforceAfter` is for the validation hot path: it refuses from memory a bucket that a
 * counter already reported over its limit, and counts the call after the response (waitUntil). The
 * count is still the shared one; each isolate answers at most one call past the limit before it
 * learns the bucket is over, then refuses it until the window ends.
 */

type Limiter = { limit(options: { key: string }): Promise<{ success: boolean }> };

export type RateCheck = { name: RateLimitName; key: string; by: string };

function limiter(app: Pick<AppContext, "env">, name: RateLimitName): Limiter {
  const binding = (app.env as unknown as Record<string, Limiter | undefined>)[RATE_LIMITS[name].binding];
  if (!binding || typeof binding.limit !== "function") {
    throw new AppError("upstream_unavailable", "License rate limiting is not configured.", { details: { binding: RATE_LIMITS[name].binding } });
  }
  return binding;
}

/** Seconds until the current fixed window of `periodSeconds` ends (at least 1). */
export const retryAfter = (periodSeconds: number, t = now()) => Math.max(1, Math.ceil((periodSeconds * 1000 - (t % (periodSeconds * 1000))) / 1000));

/**
 * Counts one call against every check (in parallel) and throws 429 `rate_limited` with
 * Retry-After when any is past its limit; `details.limitedBy` names the first one that is.
 */
export async function enforce(app: Pick<AppContext, "env">, checks: RateCheck[], what: string) {
  const results = await Promise.all(checks.map((c) => limiter(app, c.name).limit({ key: `${c.name}:${c.key}` })));
  const failed = checks.find((_, i) => !results[i]!.success);
  if (!failed) return;
  throw rateLimited(retryAfter(RATE_LIMITS[failed.name].periodSeconds), failed.by, what);
}

function rateLimited(seconds: number, by: string, what: string) {
  return new AppError("rate_limited", `Too many ${what} for this ${by}. Try again in ${seconds} seconds.`, {
    headers: { "Retry-After": String(seconds) },
    details: { retryAfterSeconds: seconds, limitedBy: by },
  });
}

/** Buckets a shared counter reported over their limit, until their window ends (this isolate's memory). */
const overLimit = isolateState("rateOverLimit", () => new Map<string, number>());
const MAX_REMEMBERED = 10_000;

/**
 * The hot path's check: no I/O before the answer. Throws 429 for a bucket already known to be over
 * its limit; otherwise counts the call against every check after the response and remembers the
 * buckets the counters refuse.
 */
export function enforceAfter(app: Pick<AppContext, "env" | "ctx" | "logger">, checks: RateCheck[], what: string) {
  const t = now();
  const limiters = checks.map((c) => limiter(app, c.name)); // a missing binding fails loudly, before answering
  for (const c of checks) {
    const until = overLimit.get(`${c.name}:${c.key}`);
    if (until === undefined) continue;
    if (until > t) throw rateLimited(Math.max(1, Math.ceil((until - t) / 1000)), c.by, what);
    overLimit.delete(`${c.name}:${c.key}`);
  }
  app.ctx.waitUntil(
    Promise.all(
      checks.map(async (c, i) => {
        const bucket = `${c.name}:${c.key}`;
        const { success } = await limiters[i]!.limit({ key: bucket });
        if (success) return;
        if (overLimit.size >= MAX_REMEMBERED) overLimit.clear();
        overLimit.set(bucket, now() + retryAfter(RATE_LIMITS[c.name].periodSeconds) * 1000);
      }),
    ).catch((error) => app.logger.warn("license.rate_limit_failed", { error })),
  );
}

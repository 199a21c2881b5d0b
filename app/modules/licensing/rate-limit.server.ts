import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { AppError } from "~/utils/errors";
import { RATE_LIMITS, type RateLimitName } from "./policy";

/*
 * Rate limits of the key-authenticated endpoints, held by Cloudflare's Rate Limiting binding:
 * one counter per key in each Cloudflare location, shared by every isolate there (the earlier
 * counters lived in each isolate's memory, so N isolates allowed N times the limit). The binding
 * answers from the machine the Worker runs on and syncs in the background, so a check costs no
 * D1 query and no cross-region trip (docs/decisions/005-licensing.md). Limits and periods are in
 * wrangler.toml; RATE_LIMITS in policy.ts names them.
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
  const seconds = retryAfter(RATE_LIMITS[failed.name].periodSeconds);
  throw new AppError("rate_limited", `Too many ${what} for this ${failed.by}. Try again in ${seconds} seconds.`, {
    headers: { "Retry-After": String(seconds) },
    details: { retryAfterSeconds: seconds, limitedBy: failed.by },
  });
}

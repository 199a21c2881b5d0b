import { MINUTE, now } from "~/utils/clock";
import { isolateState } from "./isolate-state";

/*
 * Fixed-window counters kept in isolate memory: no I/O on the validation hot path. Each isolate
 * counts on its own, so across a data centre the effective limit is the limit times the number of
 * isolates serving the key (docs/decisions/005-licensing.md says why and what replaces it).
 */
export const RATE_WINDOW_MS = MINUTE;

type Window = { start: number; count: number };
const windows = isolateState("rateWindows", () => new Map<string, Window>());
const MAX_BUCKETS = 100_000;

export type RateDecision = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

export function take(bucket: string, limit: number, windowMs = RATE_WINDOW_MS): RateDecision {
  const t = now();
  const start = t - (t % windowMs);
  let w = windows.get(bucket);
  if (!w || w.start !== start) {
    if (windows.size >= MAX_BUCKETS) sweep(start);
    w = { start, count: 0 };
    windows.set(bucket, w);
  }
  if (w.count >= limit) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((start + windowMs - t) / 1000)) };
  w.count += 1;
  return { ok: true, remaining: limit - w.count };
}

function sweep(currentStart: number) {
  for (const [key, w] of windows) if (w.start !== currentStart) windows.delete(key);
  if (windows.size >= MAX_BUCKETS) windows.clear();
}

/** Tests only: forget every window. */
export function resetRateLimits() {
  windows.clear();
}

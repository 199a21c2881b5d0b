import { and, eq, gte, lte, sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { inJsonArray } from "~/utils/db.server";
import { licenseMachines, licenseUsageDaily } from "~drizzle/schema";
import { isolateState } from "./isolate-state";

/*
 * Validation counts and machine "last seen" times are collected in isolate memory and written to
 * D1 in one batch at most every FLUSH_INTERVAL_MS (after the response, through waitUntil), so a
 * validation never waits on D1. An isolate that is evicted loses at most its last few seconds of
 * counts; usage is a report, not a bill.
 */
export const FLUSH_INTERVAL_MS = 5_000;

const counts = isolateState("usageCounts", () => new Map<string, { licenseId: string; day: string; validations: number; valid: number }>());
const seen = isolateState("usageSeen", () => new Map<string, { licenseId: string; fingerprint: string; at: number }>());
const flushed = isolateState("usageFlushed", () => ({ at: 0 }));

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function recordValidation(app: AppContext, licenseId: string, valid: boolean, fingerprint?: string) {
  const t = now();
  const day = utcDay(t);
  const key = `${licenseId}|${day}`;
  const entry = counts.get(key) ?? { licenseId, day, validations: 0, valid: 0 };
  entry.validations += 1;
  if (valid) entry.valid += 1;
  counts.set(key, entry);
  if (fingerprint) seen.set(`${licenseId}|${fingerprint}`, { licenseId, fingerprint, at: t });
  if (t - flushed.at >= FLUSH_INTERVAL_MS || t < flushed.at) {
    flushed.at = t;
    app.ctx.waitUntil(flushUsage(app).catch((error) => app.logger.warn("license.usage_flush_failed", { error })));
  }
}

/** Writes the pending counts (one upsert per license and day) and last-seen times in one batch. */
export async function flushUsage(app: Pick<AppContext, "db">) {
  const pending = [...counts.values()];
  const touched = [...seen.values()];
  counts.clear();
  seen.clear();
  const statements = [
    ...pending.map((c) =>
      app.db
        .insert(licenseUsageDaily)
        .values(c)
        .onConflictDoUpdate({
          target: [licenseUsageDaily.licenseId, licenseUsageDaily.day],
          set: {
            validations: sql`${licenseUsageDaily.validations} + ${c.validations}`,
            valid: sql`${licenseUsageDaily.valid} + ${c.valid}`,
          },
        }),
    ),
    ...touched.map((s) =>
      app.db
        .update(licenseMachines)
        .set({ lastSeenAt: sql`max(${licenseMachines.lastSeenAt}, ${s.at})` })
        .where(and(eq(licenseMachines.licenseId, s.licenseId), eq(licenseMachines.fingerprint, s.fingerprint))),
    ),
  ];
  const [first, ...rest] = statements;
  if (first) await app.db.batch([first, ...rest]);
}

export async function usageByDay(app: Pick<AppContext, "db">, licenseIds: string[], from: string, to: string) {
  if (!licenseIds.length) return [];
  const rows = await app.db
    .select({
      day: licenseUsageDaily.day,
      validations: sql<number>`sum(${licenseUsageDaily.validations})`,
      valid: sql<number>`sum(${licenseUsageDaily.valid})`,
    })
    .from(licenseUsageDaily)
    .where(and(inJsonArray(licenseUsageDaily.licenseId, licenseIds), gte(licenseUsageDaily.day, from), lte(licenseUsageDaily.day, to)))
    .groupBy(licenseUsageDaily.day)
    .orderBy(licenseUsageDaily.day)
    .all();
  return rows.map((r) => ({ day: r.day, validations: Number(r.validations), valid: Number(r.valid), invalid: Number(r.validations) - Number(r.valid) }));
}

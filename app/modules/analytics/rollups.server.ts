import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { chunk } from "~/utils/db.server";
import { revenueRecomputeSelect } from "./revenue-sql";
import { disputes, payments, refunds, revenueDaily } from "~drizzle/schema";

/**
 * Revenue rollups (drizzle/schema/analytics.ts `revenue_daily`; docs/analytics.md).
 *
 * A day's rows are a pure function of the source rows (payments, refunds, disputes, instructor
 * earnings), so keeping them current is: recompute the UTC days an event touched, in one batch
 * that deletes and re-inserts those days (a D1 batch is one transaction). That makes every call
 * idempotent per source event — a redelivered webhook, a replay or two consumers at once recompute
 * the same numbers, never add them twice — and out-of-order events harmless. Cost is O(rows of the
 * touched days), never O(all payments). Called from one place: the Stripe event consumer, after a
 * batch's payment events are handled (refreshRevenueForPayments); the cron repairs recent days and
 * `npm run analytics:backfill` rebuilds everything with the same statement (revenueRecomputeSql).
 */

export const DAY_MS = 86_400_000;
/** "2026-12-07" for an epoch-ms time (UTC). */
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** Days the cron repairs every run (today and yesterday: late webhooks) and once a night (after 00:00 UTC). */
export const ROLLUP_REPAIR = { everyRunDays: 2, nightlyDays: 35 } as const;

/** The from-scratch recomputation of [from, to) as a SELECT for INSERT … SELECT (revenue-sql.ts). */
export const revenueRecomputeSql = (from: number, to: number, at: number): SQL => sql.raw(revenueRecomputeSelect(from, to, at));

/** The statements that recompute whole UTC days (delete, then insert from the sources); batch them. */
export function refreshDaysStatements(app: Pick<AppContext, "db">, days: Iterable<string>): BatchItem<"sqlite">[] {
  const at = now();
  const unique = [...new Set(days)].filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort();
  return unique.flatMap((day) => {
    const from = dayStart(day);
    return [app.db.delete(revenueDaily).where(eq(revenueDaily.day, day)), app.db.insert(revenueDaily).select(revenueRecomputeSql(from, from + DAY_MS, at))];
  });
}

export async function refreshDays(app: Pick<AppContext, "db">, days: Iterable<string>) {
  const statements = refreshDaysStatements(app, days);
  // Each day is 2 statements; a batch of ~50 days stays small and atomic per batch.
  for (const part of chunk(statements, 100)) await app.db.batch(part as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

/** IDs per `in (…)` list (D1 binds at most 100 parameters per statement). */
const IDS_PER_STATEMENT = 90;

/**
 * The hook: payments whose record, refunds or disputes just changed. Reads the days those rows
 * fall on (one batch), then recomputes them (one batch). Idempotent; safe to call concurrently.
 */
export async function refreshRevenueForPayments(app: Pick<AppContext, "db" | "logger">, paymentIds: Iterable<string>) {
  const ids = [...new Set(paymentIds)];
  if (!ids.length) return;
  const reads = chunk(ids, IDS_PER_STATEMENT).flatMap((part) => [
    app.db.select({ at: payments.succeededAt }).from(payments).where(inArray(payments.id, part)),
    app.db.select({ at: refunds.createdAt }).from(refunds).where(and(inArray(refunds.paymentId, part), eq(refunds.status, "succeeded"))),
    app.db.select({ at: disputes.closedAt }).from(disputes).where(and(inArray(disputes.paymentId, part), eq(disputes.status, "lost"))),
  ]);
  const found = (await app.db.batch(reads as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as Array<Array<{ at: number | null }>>;
  const days = new Set<string>();
  for (const row of found.flat()) if (row.at) days.add(utcDay(row.at));
  if (!days.size) return;
  await refreshDays(app, days);
  app.logger.info("analytics.revenue_refreshed", { payments: ids.length, days: [...days] });
}

/** The cron: recent days every run; a wider window once a night (the first run after 00:00 UTC). */
export async function repairRevenueRollups(app: Pick<AppContext, "db" | "logger">, scheduledTime: number) {
  const nightly = scheduledTime % DAY_MS < 15 * 60_000;
  const count = nightly ? ROLLUP_REPAIR.nightlyDays : ROLLUP_REPAIR.everyRunDays;
  const days = Array.from({ length: count }, (_, i) => utcDay(scheduledTime - i * DAY_MS));
  await refreshDays(app, days);
  app.logger.info("analytics.revenue_repaired", { days: days.length, nightly });
}

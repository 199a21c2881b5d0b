import { and, desc, eq, gte, lte, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { CURRENCIES } from "~/utils/currency";
import { toMajorUnits } from "~/utils/money";
import { courses, revenueDaily, users } from "~drizzle/schema";
import { PERIODS, purposeLabel, type Period, type RevenueTable } from "./revenue";
import { DAY_MS, utcDay } from "./rollups.server";
export { PERIODS, REVENUE_TABLES, type Period, type RevenueTable } from "./revenue";

/**
 * The admin revenue dashboard's figures (app/routes/admin+/revenue.tsx, docs/analytics.md), read
 * from the rollups only (revenue_daily): one batch, O(days × courses) rows however many payments
 * exist. Net = gross − refunds − lost in disputes (dispute fees are shown apart).
 */
/** How far back each period looks by default: 30 days, 12 weeks, 12 months. */
const DEFAULT_SPAN: Record<Period, number> = { day: 30, week: 12 * 7, month: 365 };
/** Rows of the "by course" and "by instructor" tables. */
export const TOP = 10;

export const revenueQuerySchema = z.object({
  period: z.enum(PERIODS).default("day"),
  currency: z.enum(Object.keys(CURRENCIES) as [keyof typeof CURRENCIES, ...(keyof typeof CURRENCIES)[]]).default("usd"),
  from: z.iso.date().optional().or(z.literal("").transform(() => undefined)),
  to: z.iso.date().optional().or(z.literal("").transform(() => undefined)),
});
export type RevenueQuery = z.infer<typeof revenueQuerySchema>;

/** The bucket a day falls in: itself, the Monday of its week, or its month ("2026-12"). */
function bucket(period: Period) {
  if (period === "month") return sql<string>`substr(${revenueDaily.day}, 1, 7)`;
  if (period === "week") return sql<string>`date(${revenueDaily.day}, '-6 days', 'weekday 1')`;
  return sql<string>`${revenueDaily.day}`;
}

const sums = {
  gross: sql<number>`coalesce(sum(${revenueDaily.gross}), 0)`,
  refunds: sql<number>`coalesce(sum(${revenueDaily.refunds}), 0)`,
  disputes: sql<number>`coalesce(sum(${revenueDaily.disputes}), 0)`,
  disputeFees: sql<number>`coalesce(sum(${revenueDaily.disputeFees}), 0)`,
  payments: sql<number>`coalesce(sum(${revenueDaily.payments}), 0)`,
  refundCount: sql<number>`coalesce(sum(${revenueDaily.refundCount}), 0)`,
  disputeCount: sql<number>`coalesce(sum(${revenueDaily.disputeCount}), 0)`,
  instructorShare: sql<number>`coalesce(sum(${revenueDaily.instructorShare}), 0)`,
};
type Sums = { [K in keyof typeof sums]: number };
const withNet = <T extends Sums>(r: T) => ({ ...r, net: r.gross - r.refunds - r.disputes });

export async function loadRevenue(app: Pick<AppContext, "db">, q: RevenueQuery) {
  const today = utcDay(now());
  const to = q.to ?? today;
  const from = q.from ?? utcDay(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_SPAN[q.period] - 1) * DAY_MS);
  const inRange = and(eq(revenueDaily.currency, q.currency), gte(revenueDaily.day, from), lte(revenueDaily.day, to));
  const b = bucket(q.period);
  const [series, byCourse, byInstructor, byPurpose, totals, currencies] = await app.db.batch([
    app.db.select({ bucket: b, ...sums }).from(revenueDaily).where(inRange).groupBy(b).orderBy(b),
    app.db
      .select({ id: revenueDaily.courseId, title: courses.title, ...sums })
      .from(revenueDaily)
      .leftJoin(courses, eq(courses.id, revenueDaily.courseId))
      .where(and(inRange, sql`${revenueDaily.courseId} <> ''`))
      .groupBy(revenueDaily.courseId)
      .orderBy(desc(sums.gross))
      .limit(TOP),
    app.db
      .select({ id: revenueDaily.instructorId, name: users.name, ...sums })
      .from(revenueDaily)
      .leftJoin(users, eq(users.id, revenueDaily.instructorId))
      .where(and(inRange, sql`${revenueDaily.instructorId} <> ''`))
      .groupBy(revenueDaily.instructorId)
      .orderBy(desc(sums.gross))
      .limit(TOP),
    app.db.select({ purpose: revenueDaily.purpose, ...sums }).from(revenueDaily).where(inRange).groupBy(revenueDaily.purpose).orderBy(desc(sums.gross)),
    app.db.select(sums).from(revenueDaily).where(inRange),
    app.db.selectDistinct({ currency: revenueDaily.currency }).from(revenueDaily).orderBy(revenueDaily.currency),
  ]);
  const total = withNet(totals[0] ?? { gross: 0, refunds: 0, disputes: 0, disputeFees: 0, payments: 0, refundCount: 0, disputeCount: 0, instructorShare: 0 });
  return {
    query: { ...q, from, to },
    currencies: [...new Set([q.currency, ...currencies.map((c) => c.currency)])],
    series: fillBuckets(q.period, from, to, series.map(withNet)),
    byCourse: byCourse.map(withNet),
    byInstructor: byInstructor.map(withNet),
    byPurpose: byPurpose.map(withNet),
    totals: {
      ...total,
      /** Share of gross refunded, and of payments disputed and lost, in basis points (null without sales). */
      refundRateBps: total.gross ? Math.round((total.refunds * 10_000) / total.gross) : null,
      disputeRateBps: total.payments ? Math.round((total.disputeCount * 10_000) / total.payments) : null,
      platformShare: total.gross - total.refunds - total.disputes - total.instructorShare,
    },
  };
}

export type RevenueReport = Awaited<ReturnType<typeof loadRevenue>>;

/** Every bucket of the range, zero where nothing happened, so a chart's axis has no gaps. */
function fillBuckets<T extends { bucket: string }>(period: Period, from: string, to: string, rows: T[]) {
  const zero = { gross: 0, refunds: 0, disputes: 0, disputeFees: 0, payments: 0, refundCount: 0, disputeCount: 0, instructorShare: 0, net: 0 };
  const found = new Map(rows.map((r) => [r.bucket, r]));
  const keys: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end; t += DAY_MS) {
    const day = utcDay(t);
    const d = new Date(t);
    const key = period === "month" ? day.slice(0, 7) : period === "week" ? utcDay(t - ((d.getUTCDay() + 6) % 7) * DAY_MS) : day;
    if (keys[keys.length - 1] !== key) keys.push(key);
  }
  return keys.map((k) => ({ ...zero, ...(found.get(k) ?? {}), bucket: k }));
}

/** A report table as CSV (RFC 4180: quoted when needed, CRLF), amounts in major units with a dot. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}


/** The columns every revenue table shares, in the order the page shows them. */
const MONEY_COLUMNS = [
  ["gross", "Gross"],
  ["refunds", "Refunds"],
  ["disputes", "Lost in disputes"],
  ["net", "Net"],
] as const;

/** One of the page's tables as header + rows of plain values (the CSV download and the page share it). */
export function revenueTable(report: RevenueReport, table: RevenueTable, label: (p: string) => string = purposeLabel) {
  const c = report.query.currency;
  const money = (n: number) => toMajorUnits(n, c);
  const amounts = (r: Sums & { net: number }) => [...MONEY_COLUMNS.map(([k]) => money(r[k])), r.payments, r.refundCount, r.disputeCount];
  const tail = [...MONEY_COLUMNS.map(([, l]) => `${l} (${c.toUpperCase()})`), "Payments", "Refunds made", "Disputes lost"];
  switch (table) {
    case "series":
      return { header: [report.query.period === "month" ? "Month" : report.query.period === "week" ? "Week starting" : "Day", ...tail], rows: report.series.map((r) => [r.bucket, ...amounts(r)]) };
    case "courses":
      return { header: ["Course", ...tail], rows: report.byCourse.map((r) => [r.title ?? r.id, ...amounts(r)]) };
    case "instructors":
      return { header: ["Instructor", ...tail, `Instructor share (${c.toUpperCase()})`], rows: report.byInstructor.map((r) => [r.name ?? r.id, ...amounts(r), money(r.instructorShare)]) };
    case "purposes":
      return { header: ["Sold as", ...tail], rows: report.byPurpose.map((r) => [label(r.purpose), ...amounts(r)]) };
  }
}

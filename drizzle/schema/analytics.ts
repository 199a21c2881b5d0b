import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { epochMs } from "./columns";

/**
 * Revenue by UTC day (issue 28): one row per day × currency × purpose × course × instructor ('' when
 * the payment has none), so dashboards read O(days) however many payments exist. Maintained by
 * app/modules/analytics/rollups.server.ts: every change to a payment, its refunds or disputes
 * recomputes the days it touches from the source rows (idempotent: a redelivered event recomputes
 * the same numbers), the cron repairs recent days, and `npm run analytics:backfill` rebuilds all.
 * Amounts are integer minor units of `currency`.
 */
export const revenueDaily = sqliteTable(
  "revenue_daily",
  {
    day: text("day").notNull(),
    currency: text("currency").notNull(),
    purpose: text("purpose").notNull(),
    courseId: text("course_id").notNull(),
    instructorId: text("instructor_id").notNull(),
    /** Paid, on the day the payment succeeded. */
    gross: integer("gross").notNull(),
    payments: integer("payments").notNull(),
    /** Refunded (succeeded refunds), on the day the refund was made. */
    refunds: integer("refunds").notNull(),
    refundCount: integer("refund_count").notNull(),
    /** Lost in disputes, on the day the dispute closed as lost; `disputeFees` are Stripe's fees. */
    disputes: integer("disputes").notNull(),
    disputeCount: integer("dispute_count").notNull(),
    disputeFees: integer("dispute_fees").notNull(),
    /** The instructors' share of the day's sales (their earnings ledger's sale entries). */
    instructorShare: integer("instructor_share").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.currency, t.purpose, t.courseId, t.instructorId] }), index("revenue_daily_instructor_idx").on(t.instructorId, t.day)],
);

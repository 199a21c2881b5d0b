import { sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { tokenMetrics } from "~/modules/tokens/ledger.server";
import { DAY, now } from "~/utils/clock";

type Count = { key: string; n: number };
type Sum = { currency: string; n: number; amount: number };

const byKey = (rows: Count[]) => Object.fromEntries(rows.map((r) => [r.key, r.n]));

/**
 * Operator metrics straight from the system of record: money moved in the last 24 hours, payment,
 * webhook, email, subscription and catalog counts by state, and the age of the oldest webhook
 * event still waiting. Read-only aggregate queries; cheap enough for a dashboard or a scraper.
 */
export async function collectMetrics(app: Pick<AppContext, "db">, at = now()) {
  const since = at - DAY;
  const [payments, paid, refunded, events, oldestOpen, emails, subscriptions, courses, enrollments, payouts, tokens] = await Promise.all([
    app.db.all<Count>(sql`select status as key, count(*) as n from payments group by status`),
    app.db.all<Sum>(sql`select currency, count(*) as n, sum(amount) as amount from payments where succeeded_at >= ${since} group by currency`),
    app.db.all<Sum>(sql`select currency, count(*) as n, sum(amount) as amount from refunds where status = 'succeeded' and updated_at >= ${since} group by currency`),
    app.db.all<Count>(sql`select status as key, count(*) as n from stripe_events group by status`),
    app.db.get<{ at: number | null }>(sql`select min(received_at) as at from stripe_events where status in ('received', 'failed')`),
    app.db.all<Count>(sql`select status as key, count(*) as n from emails group by status`),
    app.db.all<Count>(sql`select tier || ':' || status as key, count(*) as n from subscriptions group by tier, status`),
    app.db.all<Count>(sql`select status as key, count(*) as n from courses group by status`),
    app.db.get<{ n: number }>(sql`select count(*) as n from enrollments where created_at >= ${since}`),
    app.db.all<Count>(sql`select status as key, count(*) as n from payouts group by status`),
    tokenMetrics(app, since),
  ]);
  return {
    generatedAt: at,
    windowMs: DAY,
    payments: { byStatus: byKey(payments), succeededInWindow: paid, refundedInWindow: refunded },
    webhooks: { byStatus: byKey(events), oldestOpenAgeMs: oldestOpen?.at ? at - oldestOpen.at : null },
    emails: { byStatus: byKey(emails) },
    subscriptions: { byTierAndStatus: byKey(subscriptions) },
    marketplace: { coursesByStatus: byKey(courses), enrollmentsInWindow: enrollments?.n ?? 0, payoutsByStatus: byKey(payouts) },
    tokens,
  };
}

/** The latest instructor payouts with their instructor, for the admin overview. */
export async function recentPayouts(app: Pick<AppContext, "db">, limit = 20) {
  return app.db.all<{ id: string; email: string; amount: number; currency: string; status: string; attempts: number; failureMessage: string | null; createdAt: number; paidAt: number | null }>(
    sql`select p.id, u.email, p.amount, p.currency, p.status, p.attempts, p.failure_message as failureMessage, p.created_at as createdAt, p.paid_at as paidAt
        from payouts p join users u on u.id = p.instructor_id order by p.created_at desc limit ${limit}`,
  );
}

/**
 * The from-scratch recomputation of `revenue_daily` (drizzle/schema/analytics.ts), as SQL text with
 * no imports, so that the Worker (rollups.server.ts), the backfill command (scripts/analytics-backfill.mjs,
 * through `wrangler d1 execute`) and the tests all run the very same statement.
 *
 * The rows of the UTC days in [from, to): gross on the day a payment succeeded (any paid status:
 * a later refund does not erase the sale), refunds on the day a succeeded refund was made, disputes
 * on the day a lost dispute closed; the instructors' share is their sale entries of those payments.
 * Columns in the table's order.
 */
export function revenueRecomputeSelect(from: number, to: number, at: number): string {
  for (const n of [from, to, at]) if (!Number.isSafeInteger(n)) throw new Error(`revenueRecomputeSelect: not an integer time: ${n}`);
  const day = (col: string) => `strftime('%Y-%m-%d', ${col} / 1000, 'unixepoch')`;
  const dims = `p.currency, p.purpose, coalesce(c.id, '') as course_id, coalesce(c.instructor_id, '') as instructor_id`;
  const course = `left join courses c on p.purpose = 'course_purchase' and c.id = p.purpose_ref`;
  return `select day, currency, purpose, course_id, instructor_id, sum(gross), sum(n_pay), sum(refunded), sum(n_ref), sum(lost), sum(n_dis), sum(fees), sum(share), ${at}
    from (
      select ${day("p.succeeded_at")} as day, ${dims}, p.amount as gross, 1 as n_pay, 0 as refunded, 0 as n_ref, 0 as lost, 0 as n_dis, 0 as fees,
        coalesce((select sum(e.instructor_amount) from instructor_earnings e where e.payment_id = p.id and e.kind = 'sale'), 0) as share
      from payments p ${course}
      where p.succeeded_at >= ${from} and p.succeeded_at < ${to} and p.status in ('succeeded', 'partially_refunded', 'refunded')
      union all
      select ${day("r.created_at")}, ${dims}, 0, 0, r.amount, 1, 0, 0, 0, 0
      from refunds r join payments p on p.id = r.payment_id ${course}
      where r.status = 'succeeded' and r.created_at >= ${from} and r.created_at < ${to}
      union all
      select ${day("d.closed_at")}, ${dims}, 0, 0, 0, 0, d.amount, 1, d.fee_amount, 0
      from disputes d join payments p on p.id = d.payment_id ${course}
      where d.status = 'lost' and d.closed_at >= ${from} and d.closed_at < ${to}
    )
    group by day, currency, purpose, course_id, instructor_id`;
}

/** Delete and rebuild [from, to) (whole UTC days), as statements for one transaction. */
export function revenueRebuildStatements(from: number, to: number, at: number): string[] {
  const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return [
    `delete from revenue_daily where day >= '${dayOf(from)}' and day < '${dayOf(to)}'`,
    `insert into revenue_daily (day, currency, purpose, course_id, instructor_id, gross, payments, refunds, refund_count, disputes, dispute_count, dispute_fees, instructor_share, updated_at) ${revenueRecomputeSelect(from, to, at)}`,
  ];
}

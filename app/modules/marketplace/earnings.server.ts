import { and, eq, inArray, sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { DAY, now } from "~/utils/clock";
import { chunk } from "~/utils/db.server";
import { createId } from "~/utils/ids";
import { allocate } from "~/utils/money";
import { courses, disputes, instructorEarnings, payouts } from "~drizzle/schema";
import { HOLD_DAYS, SPLIT_WEIGHTS } from "./rules";

type Db = AppContext["db"];
export type Earning = typeof instructorEarnings.$inferSelect;
export const HOLD_MS = HOLD_DAYS * DAY;

/**
 * The revenue split of an amount in minor units: 70% instructor, 30% platform, via
 * `allocate(amount, [70, 30])` — both parts floored, the leftover minor unit (there is at most one
 * with these weights) goes to the instructor. The parts always sum to the amount.
 */
export function split(amount: number) {
  const [instructor, platform] = allocate(amount, SPLIT_WEIGHTS);
  return { instructor: instructor!, platform: platform! };
}

/**
 * The sale entry of a paid enrollment (idempotent on the payment: key `sale:<paymentId>`; a bundle
 * payment books one sale per course it paid for, `sale:<paymentId>:<courseId>`, with `perCourse`).
 */
export function saleEntry(
  db: Db,
  input: { instructorId: string; courseId: string; paymentId: string; amount: number; currency: string; at: number; perCourse?: boolean },
) {
  const parts = split(input.amount);
  return db
    .insert(instructorEarnings)
    .values({
      id: createId("earning"),
      idempotencyKey: input.perCourse ? `sale:${input.paymentId}:${input.courseId}` : `sale:${input.paymentId}`,
      kind: "sale",
      instructorId: input.instructorId,
      courseId: input.courseId,
      paymentId: input.paymentId,
      refundId: null,
      reversesId: null,
      grossAmount: input.amount,
      instructorAmount: parts.instructor,
      platformAmount: parts.platform,
      currency: input.currency,
      availableAt: input.at + HOLD_MS,
      payoutId: null,
      createdAt: input.at,
    })
    .onConflictDoNothing({ target: instructorEarnings.idempotencyKey });
}

export type ReversalOutcome = "reversed" | "already_reversed" | "outside_hold" | "no_sale" | "nothing_left";

/**
 * Reverses the instructor's share of a refund while the sale is still inside its 30-day hold.
 *
 * Partial refunds use the cumulative rule: after the refund, the payment's remaining amount
 * (paid − all refunds so far) is split again with the same `allocate(…, [70, 30])`, and the
 * reversal entry is the difference between the ledger's current net and that new split. So each
 * reversal's two parts sum to the refunded amount, a refund in several pieces ends exactly at 0
 * for both parties, and the leftover-unit rule never drifts. The entry is written only if the
 * ledger still holds the net it was computed from (optimistic check), and at most once per refund.
 */
export async function reverseEarning(app: AppContext, input: { paymentId: string; refundId: string; refundAmount: number; courseId?: string }): Promise<ReversalOutcome> {
  // A bundle payment has one sale per course: its reversals are per course (`courseId`), keyed
  // `reversal:<refundId>:<courseId>`, and checked against that course's net only.
  const key = input.courseId ? `reversal:${input.refundId}:${input.courseId}` : `reversal:${input.refundId}`;
  const scope = input.courseId ? and(eq(instructorEarnings.paymentId, input.paymentId), eq(instructorEarnings.courseId, input.courseId)) : eq(instructorEarnings.paymentId, input.paymentId);
  const sameCourse = input.courseId ? sql` AND course_id = ${input.courseId}` : sql``;
  for (let attempt = 0; attempt < 3; attempt++) {
    const entries = await app.db.select().from(instructorEarnings).where(scope).all();
    const sale = entries.find((e) => e.kind === "sale");
    if (!sale) return "no_sale";
    if (entries.some((e) => e.idempotencyKey === key)) return "already_reversed";
    const t = now();
    if (sale.availableAt <= t || sale.payoutId) return "outside_hold";
    const net = entries.reduce((a, e) => ({ gross: a.gross + e.grossAmount, instructor: a.instructor + e.instructorAmount, platform: a.platform + e.platformAmount }), { gross: 0, instructor: 0, platform: 0 });
    if (net.gross <= 0) return "nothing_left";
    const refunded = Math.min(input.refundAmount, net.gross);
    const after = split(net.gross - refunded);
    const result = await app.db.run(sql`
      INSERT OR IGNORE INTO instructor_earnings
        (id, idempotency_key, kind, instructor_id, course_id, payment_id, refund_id, reverses_id, gross_amount, instructor_amount, platform_amount, currency, available_at, payout_id, created_at)
      SELECT ${createId("earning")}, ${key}, 'reversal', ${sale.instructorId}, ${sale.courseId}, ${sale.paymentId}, ${input.refundId}, ${sale.id},
             ${-refunded}, ${after.instructor - net.instructor}, ${after.platform - net.platform}, ${sale.currency}, ${sale.availableAt}, NULL, ${t}
      WHERE (SELECT coalesce(sum(gross_amount), 0) FROM instructor_earnings WHERE payment_id = ${sale.paymentId}${sameCourse}) = ${net.gross}
        AND (SELECT payout_id FROM instructor_earnings WHERE id = ${sale.id}) IS NULL`);
    if (result.meta.changes > 0) return "reversed";
  }
  return "already_reversed";
}

export type EarningsState = "pending" | "available" | "paid";

/** Classifies an entry at time `t`: claimed by a paid payout → paid; past the hold → available; else pending. */
export const stateOf = (e: Pick<Earning, "availableAt" | "payoutId">, paidPayoutIds: Set<string>, t: number): EarningsState =>
  e.payoutId && paidPayoutIds.has(e.payoutId) ? "paid" : e.payoutId ? "available" : e.availableAt <= t ? "available" : "pending";

type Totals = { pending: number; available: number; paid: number };
const zero = (): Totals => ({ pending: 0, available: 0, paid: 0 });

/**
 * The instructor dashboard: pending / available / paid totals per currency, per course, and per
 * month (for the chart), computed from the ledger at the current time. Entries claimed by a payout
 * that is not yet confirmed count as available (they are on their way).
 */
export async function earningsSummary(app: AppContext, instructorId: string) {
  const t = now();
  const [entries, payoutRows, courseRows] = await Promise.all([
    app.db.select().from(instructorEarnings).where(eq(instructorEarnings.instructorId, instructorId)).orderBy(instructorEarnings.createdAt).all(),
    app.db.select().from(payouts).where(eq(payouts.instructorId, instructorId)).orderBy(sql`${payouts.createdAt} DESC`).all(),
    app.db.select({ id: courses.id, title: courses.title, slug: courses.slug }).from(courses).where(eq(courses.instructorId, instructorId)).all(),
  ]);
  const paidIds = new Set(payoutRows.filter((p) => p.status === "paid").map((p) => p.id));
  const totals: Record<string, Totals> = {};
  const perCourse = new Map<string, { courseId: string; title: string; slug: string; currency: string; sales: number } & Totals>();
  const perMonth = new Map<string, { month: string; currency: string } & Totals>();
  const titles = new Map(courseRows.map((c) => [c.id, c]));
  for (const e of entries) {
    const state = stateOf(e, paidIds, t);
    (totals[e.currency] ??= zero())[state] += e.instructorAmount;
    const courseKey = `${e.courseId}:${e.currency}`;
    const c = perCourse.get(courseKey) ?? { courseId: e.courseId, title: titles.get(e.courseId)?.title ?? e.courseId, slug: titles.get(e.courseId)?.slug ?? "", currency: e.currency, sales: 0, ...zero() };
    c[state] += e.instructorAmount;
    if (e.kind === "sale") c.sales += 1;
    perCourse.set(courseKey, c);
    const month = new Date(e.createdAt).toISOString().slice(0, 7);
    const m = perMonth.get(`${month}:${e.currency}`) ?? { month, currency: e.currency, ...zero() };
    m[state] += e.instructorAmount;
    perMonth.set(`${month}:${e.currency}`, m);
  }
  // Disputed sales: frozen (the sale not paid out yet), recovered from later earnings (it was), or given back (won).
  const disputeEntries = entries.filter((e) => e.kind === "dispute");
  // Every disputed payment, in runs under D1's 100-parameter limit (a cut-off list would mislabel lost ones).
  const lostRows = await Promise.all(
    chunk([...new Set(disputeEntries.map((e) => e.paymentId))], 90).map((ids) =>
      app.db.select({ paymentId: disputes.paymentId }).from(disputes).where(and(inArray(disputes.paymentId, ids), eq(disputes.status, "lost"))).all(),
    ),
  );
  const lostPayments = new Set(lostRows.flat().map((d) => d.paymentId));
  const disputed = disputeEntries
    .map((e) => {
      const sale = entries.find((s) => s.id === e.reversesId);
      const wonBack = entries.some((w) => w.kind === "dispute_reinstated" && w.paymentId === e.paymentId && w.idempotencyKey === e.idempotencyKey.replace(/^dispute:/, "dispute_won:"));
      return {
        paymentId: e.paymentId,
        courseId: e.courseId,
        title: titles.get(e.courseId)?.title ?? e.courseId,
        currency: e.currency,
        amount: -e.instructorAmount,
        at: e.createdAt,
        state: wonBack ? ("reinstated" as const) : lostPayments.has(e.paymentId) ? ("lost" as const) : sale && sale.availableAt === e.availableAt ? ("frozen" as const) : ("recovered" as const),
      };
    });
  return {
    totals: Object.entries(totals).map(([currency, v]) => ({ currency, ...v })),
    disputed,
    perCourse: [...perCourse.values()],
    perMonth: [...perMonth.values()].sort((a, b) => a.month.localeCompare(b.month)),
    payouts: payoutRows.map((p) => ({ id: p.id, amount: p.amount, currency: p.currency, status: p.status, stripeTransferId: p.stripeTransferId, createdAt: p.createdAt, paidAt: p.paidAt })),
  };
}

/** All ledger entries of one payment (tests and support). */
export async function entriesForPayment(app: Pick<AppContext, "db">, paymentId: string) {
  return app.db.select().from(instructorEarnings).where(and(eq(instructorEarnings.paymentId, paymentId))).orderBy(instructorEarnings.createdAt).all();
}

export type DisputeEarningOutcome = { outcome: "frozen" | "recovered" | "already" | "no_sale" | "nothing_left"; instructorAmount: number };

/**
 * A dispute of a sale opened (or was lost before we saw it open): one `dispute` entry of minus the
 * sale's remaining net (what refunds left of it), written once per dispute and only if the ledger
 * still holds that net (optimistic check, as reversals do). While none of the sale's entries is
 * claimed by a payout, the entry shares the sale's `available_at`, so the two are claimed together
 * and pay nothing: the earning is **frozen**. Once the sale was paid out, the entry is available at
 * once and the payouts net it against later earnings: the amount is **recovered**, carried forward as
 * a negative balance while later earnings do not cover it (runPayouts pays only positive sums).
 *
 * A bundle payment has one sale per course (decision 014): with `courseId` the entry is that
 * course's (`dispute:<disputeId>:<courseId>`), computed from and checked against that course's
 * entries only, and frozen or recovered by whether that course's sale was paid out.
 */
export async function disputeEarning(app: AppContext, input: { paymentId: string; disputeId: string; courseId?: string }): Promise<DisputeEarningOutcome> {
  const key = disputeKey("dispute", input);
  const scope = input.courseId ? and(eq(instructorEarnings.paymentId, input.paymentId), eq(instructorEarnings.courseId, input.courseId)) : eq(instructorEarnings.paymentId, input.paymentId);
  const sameCourse = input.courseId ? sql` AND course_id = ${input.courseId}` : sql``;
  for (let attempt = 0; attempt < 3; attempt++) {
    const entries = await app.db.select().from(instructorEarnings).where(scope).all();
    const sale = entries.find((e) => e.kind === "sale");
    if (!sale) return { outcome: "no_sale", instructorAmount: 0 };
    const existing = entries.find((e) => e.idempotencyKey === key);
    if (existing) return { outcome: "already", instructorAmount: -existing.instructorAmount };
    const net = entries.reduce((a, e) => ({ gross: a.gross + e.grossAmount, instructor: a.instructor + e.instructorAmount, platform: a.platform + e.platformAmount }), { gross: 0, instructor: 0, platform: 0 });
    if (net.gross <= 0) return { outcome: "nothing_left", instructorAmount: 0 };
    const t = now();
    const paidOut = entries.some((e) => e.payoutId !== null);
    const availableAt = paidOut ? t : sale.availableAt;
    const result = await app.db.run(sql`
      INSERT OR IGNORE INTO instructor_earnings
        (id, idempotency_key, kind, instructor_id, course_id, payment_id, refund_id, reverses_id, gross_amount, instructor_amount, platform_amount, currency, available_at, payout_id, created_at)
      SELECT ${createId("earning")}, ${key}, 'dispute', ${sale.instructorId}, ${sale.courseId}, ${sale.paymentId}, NULL, ${sale.id},
             ${-net.gross}, ${-net.instructor}, ${-net.platform}, ${sale.currency}, ${availableAt}, NULL, ${t}
      WHERE (SELECT coalesce(sum(gross_amount), 0) FROM instructor_earnings WHERE payment_id = ${sale.paymentId}${sameCourse}) = ${net.gross}
        AND (SELECT count(*) FROM instructor_earnings WHERE payment_id = ${sale.paymentId}${sameCourse} AND payout_id IS NOT NULL) = ${entries.filter((e) => e.payoutId !== null).length}`);
    if (result.meta.changes > 0) return { outcome: paidOut ? "recovered" : "frozen", instructorAmount: net.instructor };
  }
  throw new Error(`The earnings of payment ${input.paymentId} kept changing while a dispute was booked; retried later.`);
}

/** `dispute:<disputeId>` for a course purchase, `dispute:<disputeId>:<courseId>` for one course of a bundle (and likewise dispute_won, dispute_fee). */
const disputeKey = (prefix: "dispute" | "dispute_won" | "dispute_fee", input: { disputeId: string; courseId?: string }) =>
  input.courseId ? `${prefix}:${input.disputeId}:${input.courseId}` : `${prefix}:${input.disputeId}`;

/**
 * A dispute was won: the `dispute` entry is matched by a `dispute_reinstated` entry of the same
 * amounts (once per dispute, and per course of a bundle), available when the dispute entry was, so
 * a frozen earning is paid with its sale and a recovered one is given back by the next payout.
 */
export async function reinstateDisputedEarning(app: AppContext, input: { paymentId: string; disputeId: string; courseId?: string }) {
  const entries = await app.db.select().from(instructorEarnings).where(eq(instructorEarnings.paymentId, input.paymentId)).all();
  const held = entries.find((e) => e.idempotencyKey === disputeKey("dispute", input));
  if (!held) return "no_dispute_entry" as const;
  const t = now();
  const result = await saleLike(app.db, held, { key: disputeKey("dispute_won", input), kind: "dispute_reinstated", gross: -held.grossAmount, instructor: -held.instructorAmount, platform: -held.platformAmount, at: t });
  return result.meta.changes > 0 ? ("reinstated" as const) : ("already" as const);
}

/** The dispute fee booked on the instructor (only when the policy makes them bear it): gross 0, the platform recovers it. */
export async function chargeDisputeFee(app: AppContext, input: { paymentId: string; disputeId: string; fee: number; courseId?: string }) {
  if (input.fee <= 0) return "no_fee" as const;
  const sale = await app.db
    .select()
    .from(instructorEarnings)
    .where(and(eq(instructorEarnings.paymentId, input.paymentId), eq(instructorEarnings.kind, "sale"), ...(input.courseId ? [eq(instructorEarnings.courseId, input.courseId)] : [])))
    .get();
  if (!sale) return "no_sale" as const;
  const result = await saleLike(app.db, sale, { key: disputeKey("dispute_fee", input), kind: "dispute_fee", gross: 0, instructor: -input.fee, platform: input.fee, at: now(), availableAt: now() });
  return result.meta.changes > 0 ? ("charged" as const) : ("already" as const);
}

function saleLike(db: Db, base: Earning, e: { key: string; kind: Earning["kind"]; gross: number; instructor: number; platform: number; at: number; availableAt?: number }) {
  return db
    .insert(instructorEarnings)
    .values({
      id: createId("earning"),
      idempotencyKey: e.key,
      kind: e.kind,
      instructorId: base.instructorId,
      courseId: base.courseId,
      paymentId: base.paymentId,
      refundId: null,
      reversesId: base.id,
      grossAmount: e.gross,
      instructorAmount: e.instructor,
      platformAmount: e.platform,
      currency: base.currency,
      availableAt: e.availableAt ?? base.availableAt,
      payoutId: null,
      createdAt: e.at,
    })
    .onConflictDoNothing({ target: instructorEarnings.idempotencyKey })
    .run();
}

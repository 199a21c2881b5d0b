import { and, desc, eq, inArray, lt, ne, type SQL } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { notifyUser } from "~/modules/email/email.server";
import { formatDate } from "~/modules/email/format";
import { findPayment, type Payment } from "~/modules/payments/records.server";
import { refundReservationStatements, sendReservedRefund, type RefundReservation } from "~/modules/payments/refunds.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId, cursorSchema } from "~/utils/ids";
import type { Currency } from "~/utils/money";
import { bundlePurchaseItems, courses, disputes, payments, refundRequests, refunds, users } from "~drizzle/schema";
import { REFUND_REQUEST_STATUSES, type RefundRefusal } from "~drizzle/schema/enums";
import { REFUND_LIMIT_PERIOD_MS, REFUND_POLICY, refundWindowMs, refusalWords, type RefundPolicy } from "./refund-policy";
import { OPEN_DISPUTE_STATUSES } from "~/modules/payments/disputes-policy";

/** Chargebacks that block a self-service refund: open ones and lost ones (the money already went back through the bank). */
const BLOCKING_DISPUTE_STATUSES = [...OPEN_DISPUTE_STATUSES, "lost" as const];
const BLOCKING_DISPUTE_SQL = BLOCKING_DISPUTE_STATUSES.map((s) => `'${s}'`).join(", ");

/*
 * Self-service refunds of course purchases (docs/marketplace.md "Self-service refunds"). The policy
 * (refund-policy.ts) is evaluated inside the INSERT of the request, in the same D1 batch (one
 * transaction) as the refund's reservation, so what the rules saw is what was decided: two clicks
 * or two tabs make one request (partial unique index on the payment) and one refund. A granted
 * request is the payments capability's own refund path (reservation + `sendReservedRefund`: idempotency key
 * from the refund id, partial-safe, an unknown outcome stays reserved for the webhook sync).
 */

export type RefundRequestRow = typeof refundRequests.$inferSelect;

const paymentIdSchema = z.string().regex(/^pay_\w+$/, "Must be a payment id (pay_...)");

export const refundRequestSchema = z.strictObject({
  paymentId: paymentIdSchema,
  /** The learner's own words (optional). */
  reason: z.string().trim().max(500, "At most 500 characters").optional(),
  /** Send the request to an admin if the rules refuse it (or send an already refused request). */
  review: z.boolean().optional(),
});

export const refundDecisionSchema = z.discriminatedUnion("decision", [
  z.strictObject({ requestId: z.string().regex(/^rrq_\w+$/, "Must be a refund request id (rrq_...)"), decision: z.literal("approve"), note: z.string().trim().max(1000).optional() }),
  z.strictObject({
    requestId: z.string().regex(/^rrq_\w+$/, "Must be a refund request id (rrq_...)"),
    decision: z.literal("decline"),
    note: z.string().trim().min(3, "Tell the learner why (3+ characters)").max(1000),
  }),
]);

export const refundRequestFilterSchema = z.object({
  status: z.enum(REFUND_REQUEST_STATUSES).default("in_review"),
  cursor: cursorSchema("refundRequest"),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const windowEndsAt = (payment: Pick<Payment, "succeededAt" | "createdAt">, policy: RefundPolicy = REFUND_POLICY) =>
  (payment.succeededAt ?? payment.createdAt) + refundWindowMs(policy);

/** A request as the API and pages show it: statuses and refusals with their words. */
export function publicRefundRequest(row: RefundRequestRow, payment: Pick<Payment, "succeededAt" | "createdAt">) {
  return {
    id: row.id,
    paymentId: row.paymentId,
    courseId: row.courseId,
    status: row.status,
    refusal: row.refusal,
    refusalReason: row.refusal ? refusalWords(row.refusal, { windowEndsAt: windowEndsAt(payment), completedModules: row.completedModules, totalModules: row.totalModules, recentRefunds: row.recentRefunds }, REFUND_POLICY, formatDate) : null,
    amount: row.amount,
    currency: row.currency,
    reason: row.reason,
    refundId: row.refundId,
    reviewNote: row.reviewNote,
    decisionNote: row.decisionNote,
    createdAt: row.createdAt,
    reviewRequestedAt: row.reviewRequestedAt,
    decidedAt: row.decidedAt,
  };
}
export type PublicRefundRequest = ReturnType<typeof publicRefundRequest>;

const liveRequestFor = (app: AppContext, paymentId: string) =>
  app.db
    .select()
    .from(refundRequests)
    .where(and(eq(refundRequests.paymentId, paymentId), ne(refundRequests.status, "failed")))
    .get();

const refundReason = (reason: string | undefined, via: "self" | "review") =>
  `${via === "self" ? "Self-service refund" : "Refund approved after review"}${reason ? `: ${reason}` : ""}`.slice(0, 300);

/**
 * The policy decision and the request in one INSERT … SELECT: the rules read the payment,
 * progress, completion and recent refunds in the same transaction that writes the request. Nothing
 * is inserted when the payment is no longer as read (`left` changed, a refund pending, access
 * gone) or when the payment already has a live request (`on conflict do nothing`).
 */
function decideAndInsert(app: AppContext, p: { requestId: string; refundId: string; payment: Payment; left: number; reason: string; at: number; courseId?: string }, policy: RefundPolicy = REFUND_POLICY) {
  // A bundle (decision 014) is judged on all the courses it granted together: their modules done out
  // of their modules, any of them completed; the request names the first of them as its course.
  const bundle = p.payment.purpose === "bundle_purchase";
  const scope = bundle ? "in (select course_id from bundle_purchase_items where payment_id = ?2 and outcome = 'granted')" : "= ?4";
  return app.env.DB.prepare(
    `insert into refund_requests (id, payment_id, user_id, course_id, status, refusal, amount, currency, reason, completed_modules, total_modules, recent_refunds, refund_id, created_at, updated_at)
     select ?1, d.payment_id, ?3, ?4, case when d.refusal is null then 'granted' else 'refused' end, d.refusal, ?5, d.currency, ?6, d.done, d.total, d.recent,
       case when d.refusal is null then ?13 else null end, ?7, ?7
     from (
       select p.id as payment_id, p.currency, f.done, f.total, f.recent,
         case
           when coalesce(p.succeeded_at, p.created_at) < ?8 then 'window'
           when ?10 = 1 and f.completed_at is not null then 'certificate'
           when f.done * 10000 > ?9 * f.total then 'progress'
           when f.recent >= ?12 then 'refund_limit'
         end as refusal
       from payments p, (
         select
           (select count(*) from module_progress mp join course_modules cm on cm.id = mp.module_id where mp.user_id = ?3 and mp.course_id ${scope}) as done,
           (select count(*) from course_modules where course_id ${scope}) as total,
           (select max(completed_at) from enrollments where course_id ${scope} and user_id = ?3) as completed_at,
           (select count(*) from refund_requests where user_id = ?3 and status in ('granted', 'approved') and created_at >= ?11) as recent
       ) f
       where p.id = ?2 and p.user_id = ?3 and p.purpose = ?14 and p.purpose_ref = ?15
         and p.status in ('succeeded', 'partially_refunded') and p.stripe_payment_intent_id is not null
         and p.amount_refund_pending = 0 and p.amount - p.amount_refunded = ?5 and ?5 > 0
         and exists (select 1 from enrollments e where e.payment_id = p.id and e.status = 'active')
         -- A chargeback open or lost is the bank's to decide: no self-service refund beside it (an inquiry does not block).
         and not exists (select 1 from disputes dp where dp.payment_id = p.id and dp.status in (${BLOCKING_DISPUTE_SQL}))
     ) d
     where true
     on conflict do nothing`,
  ).bind(
    p.requestId,
    p.payment.id,
    p.payment.userId,
    bundle ? (p.courseId ?? "") : p.payment.purposeRef,
    p.left,
    p.reason,
    p.at,
    p.at - refundWindowMs(policy),
    policy.maxCompletedShareBps,
    policy.refuseAfterCertificate ? 1 : 0,
    p.at - REFUND_LIMIT_PERIOD_MS,
    policy.maxRefundsPer12Months,
    p.refundId,
    p.payment.purpose,
    p.payment.purposeRef,
  );
}

/**
 * The audit entry of a request's decision, written only if the request row is in `status` and, in
 * the same batch, was put there by this batch: `guard` is `new` (the request id is this call's own),
 * `changed` (the statement just before changed a row) or a refund id this batch set.
 */
function auditRequestStatement(app: AppContext, requestId: string, actorId: string | null, at: number, status: string, guard: "new" | "changed" | { refundId: string } = "new") {
  const extra = guard === "new" ? "" : guard === "changed" ? " and changes() = 1" : " and refund_id = ?7";
  return app.env.DB.prepare(
    `insert into audit_log (id, actor_id, action, target_type, target_id, metadata, request_id, created_at)
     select ?1, ?2, 'refund_request.' || status, 'refund_request', id,
       json_object('paymentId', payment_id, 'amount', amount, 'currency', currency, 'refusal', refusal, 'refundId', refund_id, 'note', coalesce(decision_note, review_note)),
       ?3, ?4
     from refund_requests where id = ?5 and status = ?6${extra}`,
  ).bind(createId("audit"), actorId, app.requestId, at, requestId, status, ...(typeof guard === "object" ? [guard.refundId] : []));
}

async function refundablePayment(app: AppContext, user: Pick<SessionUser, "id">, paymentId: string) {
  const payment = await findPayment(app, { id: paymentId });
  if (!payment || payment.userId !== user.id) throw AppError.notFound("Payment");
  if (payment.purpose !== "course_purchase" && payment.purpose !== "bundle_purchase") throw new AppError("conflict", "Only course and bundle purchases can be refunded here. Plans are managed on your billing page.");
  return payment;
}

function assertRefundable(payment: Payment) {
  if (!["succeeded", "partially_refunded"].includes(payment.status) || !payment.stripePaymentIntentId) {
    throw new AppError("conflict", payment.status === "refunded" ? "This payment has already been fully refunded." : "Only paid purchases can be refunded.");
  }
  if (payment.amountRefundPending > 0) throw new AppError("conflict", "A refund of this payment is already being processed.");
  const left = payment.amount - payment.amountRefunded;
  if (left <= 0) throw new AppError("conflict", "This payment has already been fully refunded.");
  return left;
}

/** The first course a bundle payment granted (the course a bundle's refund request names). */
async function firstGrantedCourse(app: AppContext, paymentId: string) {
  const row = await app.db
    .select({ courseId: bundlePurchaseItems.courseId })
    .from(bundlePurchaseItems)
    .where(and(eq(bundlePurchaseItems.paymentId, paymentId), eq(bundlePurchaseItems.outcome, "granted")))
    .orderBy(bundlePurchaseItems.courseId)
    .get();
  if (!row) throw new AppError("conflict", "This bundle purchase gave you no course, so there is nothing to refund here.");
  return row.courseId;
}

export type RefundRequestOutcome = {
  request: PublicRefundRequest;
  refund: { id: string; amount: number; currency: string; status: string } | null;
  /** false when the payment already had a request (a second click or tab): that one is answered. */
  created: boolean;
};

async function outcomeOf(app: AppContext, row: RefundRequestRow, payment: Payment, created: boolean): Promise<RefundRequestOutcome> {
  const refund = row.refundId ? await app.db.select().from(refunds).where(eq(refunds.id, row.refundId)).get() : undefined;
  return {
    request: publicRefundRequest(row, payment),
    refund: refund ? { id: refund.id, amount: refund.amount, currency: refund.currency, status: refund.status } : null,
    created,
  };
}

/**
 * A learner asks for a refund of one of their course purchases. Granted at once unless a rule of
 * the policy refuses it; a refused request is recorded with its reason (and sent to review when
 * `review` is true). Asking again answers the live request of that payment.
 */
export async function requestRefund(app: AppContext, user: Pick<SessionUser, "id">, input: unknown): Promise<RefundRequestOutcome> {
  const data = parseOrThrow(refundRequestSchema, input);
  const payment = await refundablePayment(app, user, data.paymentId);
  const live = await liveRequestFor(app, payment.id);
  // A repeat answers the live request (re-sending its refund if Stripe has not answered yet); a
  // request whose refund failed no longer counts, and this one is decided afresh.
  const existing = live ? await settleGrant(app, live, payment, true) : undefined;
  if (existing && existing.status !== "failed") return outcomeOf(app, data.review ? await sendToReview(app, user, existing, data.reason) : existing, payment, false);
  if (existing) Object.assign(payment, await findPayment(app, { id: payment.id }));
  const left = assertRefundable(payment);
  const disputed = await app.db.select({ id: disputes.id }).from(disputes).where(and(eq(disputes.paymentId, payment.id), inArray(disputes.status, BLOCKING_DISPUTE_STATUSES))).get();
  if (disputed) throw new AppError("conflict", "This purchase is disputed with your bank, so it cannot be refunded here: the bank decides, and you will hear from us by email.");

  const at = now();
  const requestId = createId("refundRequest");
  const reservation: RefundReservation = { refundId: createId("refund"), paymentId: payment.id, amount: left, currency: payment.currency, reason: refundReason(data.reason, "self"), actorId: user.id, at };
  await app.env.DB.batch([
    decideAndInsert(app, { requestId, refundId: reservation.refundId, payment, left, reason: data.reason ?? "", at, courseId: payment.purpose === "bundle_purchase" ? await firstGrantedCourse(app, payment.id) : undefined }),
    ...refundReservationStatements(app, reservation, { sql: "exists (select 1 from refund_requests where id = ? and status = 'granted')", params: [requestId] }),
    auditRequestStatement(app, requestId, user.id, at, "granted"),
    auditRequestStatement(app, requestId, user.id, at, "refused"),
  ]);
  const row = await app.db.select().from(refundRequests).where(eq(refundRequests.id, requestId)).get();
  const log = app.logger.child({ userId: user.id, paymentId: payment.id, refundRequestId: requestId });
  if (!row) {
    // Another click or tab wrote the request first, or the payment changed since it was read.
    const other = await liveRequestFor(app, payment.id);
    if (other) return outcomeOf(app, data.review ? await sendToReview(app, user, other, data.reason) : other, payment, false);
    throw new AppError("conflict", "This payment changed while we checked it. Reload the page and try again.");
  }
  log.info("marketplace.refund_request_decided", { status: row.status, refusal: row.refusal, amount: row.amount, currency: row.currency });

  if (row.status === "refused") {
    const current = data.review ? await sendToReview(app, user, row, data.reason) : row;
    if (current.status === "refused") await sendRequestAnswer(app, current, payment, "refused");
    return outcomeOf(app, current, payment, true);
  }
  return outcomeOf(app, await sendGrantedRefund(app, row, payment, reservation.refundId), payment, true);
}

/**
 * Sends the refund a granted or approved request reserved. An unknown outcome is still a granted
 * request: its refund stays pending (reserved) and a retry, the webhook sync or the cron settles it.
 * A definite refusal by Stripe marks the request failed (the learner may ask again) and throws
 * Stripe's reason.
 */
async function sendGrantedRefund(app: AppContext, row: RefundRequestRow, payment: Payment, refundId: string) {
  try {
    await sendReservedRefund(app, payment as Payment & { stripePaymentIntentId: string }, refundId);
  } catch (error) {
    const refund = await app.db.select().from(refunds).where(eq(refunds.id, refundId)).get();
    if (refund?.status !== "failed") {
      app.logger.warn("marketplace.refund_request_outcome_unknown", { refundRequestId: row.id, refundId });
      return (await app.db.select().from(refundRequests).where(eq(refundRequests.id, row.id)).get())!;
    }
    await markFailed(app, row, refund.failureMessage);
    throw error;
  }
  return (await app.db.select().from(refundRequests).where(eq(refundRequests.id, row.id)).get())!;
}

async function markFailed(app: AppContext, row: RefundRequestRow, message: string | null) {
  await app.db
    .update(refundRequests)
    .set({ status: "failed", failureMessage: (message ?? "The refund could not be made.").slice(0, 300), updatedAt: now() })
    .where(and(eq(refundRequests.id, row.id), inArray(refundRequests.status, ["granted", "approved"])))
    .run();
  return (await app.db.select().from(refundRequests).where(eq(refundRequests.id, row.id)).get())!;
}

/**
 * A granted or approved request whose refund ended failed (Stripe refused it, or the payments cron
 * gave up on a refund Stripe never received) is failed too, which frees the payment for a new
 * request. With `resend`, a refund Stripe has not answered yet is sent again first (same key).
 */
async function settleGrant(app: AppContext, row: RefundRequestRow, payment: Payment, resend: boolean) {
  if ((row.status !== "granted" && row.status !== "approved") || !row.refundId) return row;
  let refund = await app.db.select().from(refunds).where(eq(refunds.id, row.refundId)).get();
  if (resend && refund?.status === "pending" && !refund.stripeRefundId) {
    row = await sendGrantedRefund(app, row, payment, row.refundId).catch(async () => (await app.db.select().from(refundRequests).where(eq(refundRequests.id, row.id)).get())!);
    refund = await app.db.select().from(refunds).where(eq(refunds.id, row.refundId!)).get();
  }
  return refund?.status === "failed" && row.status !== "failed" ? markFailed(app, row, refund.failureMessage) : row;
}

/** A refused request goes to the admins' review queue (once; a later call answers the same request). */
async function sendToReview(app: AppContext, user: Pick<SessionUser, "id">, row: RefundRequestRow, note: string | undefined) {
  if (row.status !== "refused") return row;
  if (!REFUND_POLICY.reviewQueue) throw new AppError("conflict", "Refused refund requests cannot be reviewed.");
  const at = now();
  await app.env.DB.batch([
    app.env.DB.prepare(`update refund_requests set status = 'in_review', review_note = ?1, review_requested_at = ?2, updated_at = ?2 where id = ?3 and user_id = ?4 and status = 'refused'`).bind(
      note ? note : null,
      at,
      row.id,
      user.id,
    ),
    app.env.DB.prepare(
      `insert into audit_log (id, actor_id, action, target_type, target_id, metadata, request_id, created_at)
       select ?1, ?2, 'refund_request.review_requested', 'refund_request', ?3, ?4, ?5, ?6 where changes() = 1`,
    ).bind(createId("audit"), user.id, row.id, JSON.stringify({ paymentId: row.paymentId, refusal: row.refusal }), app.requestId, at),
  ]);
  app.logger.info("marketplace.refund_request_review_requested", { refundRequestId: row.id, userId: user.id });
  return (await app.db.select().from(refundRequests).where(eq(refundRequests.id, row.id)).get())!;
}

/** The learner's view of their refund options for one payment: the live request, if any. */
export async function refundRequestForPayment(app: AppContext, userId: string, paymentId: string) {
  const row = await app.db
    .select()
    .from(refundRequests)
    .where(and(eq(refundRequests.paymentId, paymentId), eq(refundRequests.userId, userId)))
    .orderBy(desc(refundRequests.id))
    .get();
  return row ?? null;
}

/** The refund state of one of the learner's payments (the receipt page). */
export async function refundOptionForPayment(app: AppContext, userId: string, paymentId: string) {
  const [payment, request] = await Promise.all([findPayment(app, { id: paymentId }), refundRequestForPayment(app, userId, paymentId)]);
  if (!payment || payment.userId !== userId || (payment.purpose !== "course_purchase" && payment.purpose !== "bundle_purchase")) return null;
  return refundOption(payment, request ? await settleGrant(app, request, payment, false) : null);
}

/**
 * What the course page needs to offer a refund: the payment that gave the viewer access to the
 * course (if it was bought and not fully refunded) and its latest request.
 */
export async function refundOptionForCourse(app: AppContext, userId: string, courseId: string) {
  const rows = await app.db
    .select({ payment: payments, request: refundRequests })
    .from(payments)
    .leftJoin(refundRequests, eq(refundRequests.paymentId, payments.id))
    .where(and(eq(payments.userId, userId), eq(payments.purpose, "course_purchase"), eq(payments.purposeRef, courseId), inArray(payments.status, ["succeeded", "partially_refunded", "refunded"])))
    .orderBy(desc(payments.id), desc(refundRequests.id))
    .limit(1)
    .all();
  const found = rows[0];
  if (!found) return null;
  return refundOption(found.payment, found.request ? await settleGrant(app, found.request, found.payment, false) : null);
}

/** The refund state of a payment as pages show it. */
export function refundOption(payment: Payment, request: RefundRequestRow | null) {
  const live = request && request.status !== "failed" ? request : null;
  const refundable = ["succeeded", "partially_refunded"].includes(payment.status) && payment.amount - payment.amountRefunded - payment.amountRefundPending > 0;
  return {
    paymentId: payment.id,
    amountLeft: Math.max(0, payment.amount - payment.amountRefunded - payment.amountRefundPending),
    currency: payment.currency,
    windowEndsAt: windowEndsAt(payment),
    canAsk: refundable && !live && now() < windowEndsAt(payment),
    /** Asking after the window is still recorded (refused "window") so it can be reviewed. */
    canAskLate: refundable && !live,
    request: request ? publicRefundRequest(request, payment) : null,
  };
}
export type RefundOption = ReturnType<typeof refundOption>;

// ——— Admin review queue ———

export async function listRefundRequests(app: AppContext, filter: z.input<typeof refundRequestFilterSchema>) {
  const f = parseOrThrow(refundRequestFilterSchema, filter);
  const where: SQL[] = [eq(refundRequests.status, f.status)];
  if (f.cursor) where.push(lt(refundRequests.id, f.cursor));
  const rows = await app.db
    .select({ request: refundRequests, payment: payments, learner: { name: users.name, email: users.email }, course: { title: courses.title, slug: courses.slug } })
    .from(refundRequests)
    .innerJoin(payments, eq(payments.id, refundRequests.paymentId))
    .innerJoin(users, eq(users.id, refundRequests.userId))
    .innerJoin(courses, eq(courses.id, refundRequests.courseId))
    .where(and(...where))
    .orderBy(desc(refundRequests.id))
    .limit(f.limit + 1)
    .all();
  const page = rows.slice(0, f.limit);
  return {
    items: page.map((r) => ({
      ...publicRefundRequest(r.request, r.payment),
      learner: r.learner,
      course: r.course,
      payment: { amount: r.payment.amount, amountRefunded: r.payment.amountRefunded, amountLeft: r.payment.amount - r.payment.amountRefunded - r.payment.amountRefundPending, paidAt: r.payment.succeededAt ?? r.payment.createdAt },
    })),
    nextCursor: rows.length > f.limit ? page[page.length - 1]!.request.id : null,
  };
}

/** One request with its payment and learner, for the admin's confirmation step. */
export async function findRefundRequestForReview(app: AppContext, requestId: string) {
  const found = await app.db
    .select({ request: refundRequests, payment: payments, learner: { name: users.name, email: users.email } })
    .from(refundRequests)
    .innerJoin(payments, eq(payments.id, refundRequests.paymentId))
    .innerJoin(users, eq(users.id, refundRequests.userId))
    .where(eq(refundRequests.id, requestId))
    .get();
  if (!found) throw AppError.notFound("Refund request");
  if (found.request.status !== "in_review") throw new AppError("conflict", "This request was already decided.");
  return { ...found, amountLeft: found.payment.amount - found.payment.amountRefunded - found.payment.amountRefundPending };
}

/**
 * An admin approves (refunds what is left of the payment) or declines (with a note for the learner)
 * a request in review. The decision, the refund's reservation and the audit entry are one batch,
 * guarded by the request still being in review, so two admins (or two clicks) decide once.
 */
export async function decideRefundRequest(app: AppContext, admin: Pick<SessionUser, "id">, input: unknown) {
  const data = parseOrThrow(refundDecisionSchema, input);
  const row = await app.db.select().from(refundRequests).where(eq(refundRequests.id, data.requestId)).get();
  if (!row) throw AppError.notFound("Refund request");
  if (row.status !== "in_review") throw new AppError("conflict", `This request was already decided (${row.status.replace("_", " ")}).`);
  const payment = (await findPayment(app, { id: row.paymentId }))!;
  const at = now();
  const note = data.note ? data.note : null;

  if (data.decision === "decline") {
    const [changed] = await app.env.DB.batch([
      app.env.DB.prepare(`update refund_requests set status = 'declined', decided_by = ?1, decision_note = ?2, decided_at = ?3, updated_at = ?3 where id = ?4 and status = 'in_review'`).bind(admin.id, note, at, row.id),
      auditRequestStatement(app, row.id, admin.id, at, "declined", "changed"),
    ]);
    if (!changed || changed.meta.changes === 0) throw new AppError("conflict", "This request was already decided.");
    const declined = (await app.db.select().from(refundRequests).where(eq(refundRequests.id, row.id)).get())!;
    await sendRequestAnswer(app, declined, payment, "declined");
    app.logger.info("marketplace.refund_request_declined", { refundRequestId: row.id, adminId: admin.id });
    return outcomeOf(app, declined, payment, false);
  }

  const left = assertRefundable(payment);
  const reservation: RefundReservation = { refundId: createId("refund"), paymentId: payment.id, amount: left, currency: payment.currency, reason: refundReason(row.reason || undefined, "review"), actorId: admin.id, at };
  const [changed] = await app.env.DB.batch([
    app.env.DB.prepare(
      `update refund_requests set status = 'approved', amount = ?1, refund_id = ?2, decided_by = ?3, decision_note = ?4, decided_at = ?5, updated_at = ?5
       where id = ?6 and status = 'in_review'
         and exists (select 1 from payments where id = ?7 and amount_refund_pending = 0 and amount - amount_refunded = ?1)`,
    ).bind(left, reservation.refundId, admin.id, note, at, row.id, payment.id),
    ...refundReservationStatements(app, reservation, { sql: "exists (select 1 from refund_requests where id = ? and status = 'approved' and refund_id = ?)", params: [row.id, reservation.refundId] }),
    auditRequestStatement(app, row.id, admin.id, at, "approved", { refundId: reservation.refundId }),
  ]);
  if (!changed || changed.meta.changes === 0) throw new AppError("conflict", "This request was already decided, or its payment changed. Reload and try again.");
  const approved = (await app.db.select().from(refundRequests).where(eq(refundRequests.id, row.id)).get())!;
  app.logger.info("marketplace.refund_request_approved", { refundRequestId: row.id, adminId: admin.id, amount: left });
  return outcomeOf(app, await sendGrantedRefund(app, approved, payment, reservation.refundId), payment, false);
}

/** The email telling the learner a request was refused by the rules or declined after review (once each). */
async function sendRequestAnswer(app: AppContext, row: RefundRequestRow, payment: Payment, outcome: "refused" | "declined") {
  const view = publicRefundRequest(row, payment);
  await notifyUser(app, row.userId, {
    template: "refund-request-answered",
    idempotencyKey: `refund-request-${outcome}/${row.id}`,
    data: (user) => ({
      name: user.name,
      item: payment.description,
      outcome,
      amount: row.amount,
      currency: row.currency as Currency,
      requestedAt: row.createdAt,
      paymentId: payment.id,
      reason: view.refusalReason ?? "The refund policy does not allow it.",
      ...(outcome === "declined" && row.decisionNote ? { note: row.decisionNote } : {}),
      canSendToReview: outcome === "refused" && REFUND_POLICY.reviewQueue,
      receiptUrl: `${app.config.APP_URL}/account/payments/${payment.id}`,
    }),
  });
}

export type { RefundRefusal };

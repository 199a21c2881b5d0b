import { and, eq, isNull, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { payments, refunds } from "~drizzle/schema";
import { sendRefundIssued } from "./notifications.server";
import type { PaymentPurpose, PaymentPurposeName } from "./purposes";
import { findPayment, publicPayment, publicRefund, toPurposeView, type Payment } from "./records.server";
import { getPurpose } from "./registry";
import { checkStripe, createStripe, mapStripeError, outcomeUnknown, stripeShapes } from "./stripe.server";

/** amount_refunded and amount_refund_pending are always sums of refund rows; status follows. */
export function refundTotalsStatement(app: AppContext, paymentId: string) {
  const refunded = sql`(select coalesce(sum(${refunds.amount}), 0) from ${refunds} where ${refunds.paymentId} = ${paymentId} and ${refunds.status} = 'succeeded')`;
  const pending = sql`(select coalesce(sum(${refunds.amount}), 0) from ${refunds} where ${refunds.paymentId} = ${paymentId} and ${refunds.status} = 'pending')`;
  return app.db
    .update(payments)
    .set({
      amountRefunded: refunded,
      amountRefundPending: pending,
      status: sql`case when ${payments.status} in ('succeeded', 'partially_refunded', 'refunded')
        then case when ${refunded} >= ${payments.amount} then 'refunded' when ${refunded} > 0 then 'partially_refunded' else 'succeeded' end
        else ${payments.status} end`,
      updatedAt: now(),
    })
    .where(eq(payments.id, paymentId));
}

export const refundSchema = z.strictObject({
  paymentId: z.string().regex(/^pay_\w+$/, "Must be a payment id (pay_...)"),
  amount: z.number().int("Amount must be whole minor units (cents)").positive("Amount must be positive").safe().optional(),
  reason: z.string().trim().min(3, "Give a reason (3+ characters)").max(300),
});

/**
 * What a refund request would refund, checked as `refundPayment` checks it (the payment exists,
 * is paid, has that much left): the confirmation step of a refund page shows this before acting.
 */
export async function checkRefund(app: AppContext, input: unknown) {
  const data = parseOrThrow(refundSchema, input);
  const payment = await findPayment(app, { id: data.paymentId });
  if (!payment) throw AppError.notFound("Payment");
  if (!["succeeded", "partially_refunded"].includes(payment.status) || !payment.stripePaymentIntentId) {
    throw new AppError("conflict", `Only succeeded payments can be refunded (this one is ${payment.status.replace("_", " ")}).`);
  }
  const left = payment.amount - payment.amountRefunded - payment.amountRefundPending;
  const amount = data.amount ?? left;
  if (left <= 0) throw new AppError("conflict", "This payment has already been fully refunded.");
  if (amount > left) throw AppError.validation({ amount: [`At most ${left} (minor units) is left to refund`] });
  return { data, payment: payment as Payment & { stripePaymentIntentId: string }, amount, left };
}

/**
 * Refunds all (default) or part of a payment. The amount is reserved atomically against what is
 * left, so concurrent or repeated requests can never over-refund; the refund row and its audit
 * entry are written in the same batch. The purpose's reversal runs once Stripe confirms.
 */
export async function refundPayment(app: AppContext, actor: Pick<SessionUser, "id"> | null, input: unknown) {
  const { data, payment, amount } = await checkRefund(app, input);
  const reservation = { refundId: createId("refund"), paymentId: payment.id, amount, currency: payment.currency, reason: data.reason, actorId: actor?.id ?? null, at: now() };
  const [reserved] = await app.env.DB.batch(refundReservationStatements(app, reservation));
  if (!reserved || reserved.meta.changes === 0) throw new AppError("conflict", "Another refund for this payment is in progress; reload and try again.");
  return sendRefund(app, payment, reservation);
}

export type RefundReservation = {
  refundId: string;
  paymentId: string;
  amount: number;
  currency: string;
  reason: string;
  actorId: string | null;
  at: number;
};

/**
 * The statements that reserve a refund, for one D1 batch (one transaction): reserve the amount
 * only if enough is left (and only if `onlyIf`, an SQL condition with `?` parameters, holds in the
 * same transaction), then write the refund row and its audit entry only if that reservation changed
 * a row (`changes() = 1`). The first statement's `meta.changes` says whether it was reserved.
 * A capability that decides a refund itself (self-service refunds) puts its own decision before
 * these statements in the same batch and guards the reservation on it.
 */
export function refundReservationStatements(app: AppContext, r: RefundReservation, onlyIf?: { sql: string; params: (string | number)[] }) {
  return [
    app.env.DB.prepare(
      `update payments set amount_refund_pending = amount_refund_pending + ?1, updated_at = ?2
       where id = ?3 and amount - amount_refunded - amount_refund_pending >= ?1${onlyIf ? ` and (${onlyIf.sql})` : ""}`,
    ).bind(r.amount, r.at, r.paymentId, ...(onlyIf?.params ?? [])),
    app.env.DB.prepare(
      `insert into refunds (id, payment_id, amount, currency, reason, status, requested_by, created_at, updated_at)
       select ?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7, ?7 where changes() = 1`,
    ).bind(r.refundId, r.paymentId, r.amount, r.currency, r.reason, r.actorId, r.at),
    app.env.DB.prepare(
      `insert into audit_log (id, actor_id, action, target_type, target_id, metadata, request_id, created_at)
       select ?1, ?2, 'payment.refunded', 'payment', ?3, ?4, ?5, ?6 where exists (select 1 from refunds where id = ?7)`,
    ).bind(createId("audit"), r.actorId, r.paymentId, JSON.stringify({ refundId: r.refundId, amount: r.amount, currency: r.currency, reason: r.reason }), app.requestId, r.at, r.refundId),
  ];
}

/**
 * Sends a reserved refund to Stripe (idempotency key `refund-<refundId>`, so a repeat is the same
 * refund), records Stripe's answer, and runs the purpose's reversal once it succeeded. A definite
 * refusal marks the refund failed (its amount is freed) and throws Stripe's reason; an unknown
 * outcome leaves it pending (reserved) for the `charge.refunded` sync and throws a 503.
 */
export async function sendRefund(app: AppContext, payment: Payment & { stripePaymentIntentId: string }, r: RefundReservation) {
  const { refundId, amount } = r;
  const log = app.logger.child({ paymentId: payment.id, refundId, userId: r.actorId });
  log.info("payment.refund_requested", { amount, currency: payment.currency });

  const stripe = createStripe(app);
  try {
    const refund = checkStripe(
      stripeShapes.refund,
      await stripe.refunds.create(
        { payment_intent: payment.stripePaymentIntentId, amount, reason: "requested_by_customer", metadata: { refundId, paymentId: payment.id } },
        { idempotencyKey: `refund-${refundId}` },
      ),
      "Refund",
    );
    const status = refund.status === "succeeded" ? "succeeded" : refund.status === "failed" || refund.status === "canceled" ? "failed" : "pending";
    await app.db.batch([
      app.db.update(refunds).set({ status, stripeRefundId: refund.id, updatedAt: now() }).where(eq(refunds.id, refundId)),
      refundTotalsStatement(app, payment.id),
    ]);
  } catch (error) {
    const mapped = mapStripeError({ logger: log }, error);
    if (outcomeUnknown(error)) {
      // Stripe may have made the refund: it stays pending (reserved) and the charge.refunded sync
      // settles it by our refund id in its metadata.
      log.warn("payment.refund_outcome_unknown", { amount });
      throw new AppError(mapped.code, "We could not confirm the refund with our payment provider. It stays pending and will be settled automatically.", {
        details: { paymentId: payment.id, refundId },
        cause: error,
      });
    }
    await app.db.batch([
      app.db.update(refunds).set({ status: "failed", failureMessage: mapped.message, updatedAt: now() }).where(eq(refunds.id, refundId)),
      refundTotalsStatement(app, payment.id),
    ]);
    throw mapped;
  }
  const updated = (await findPayment(app, { id: payment.id }))!;
  await runReversals(app, getPurpose(app, updated.purpose as PaymentPurposeName), updated);
  const refund = (await app.db.select().from(refunds).where(eq(refunds.id, refundId)).get())!;
  log.info("payment.refunded", { amount, status: refund.status });
  return { refund: publicRefund(refund), payment: publicPayment((await findPayment(app, { id: payment.id }))!) };
}

export async function runReversals(app: AppContext, purpose: PaymentPurpose, payment: Payment) {
  const due = await app.db
    .select()
    .from(refunds)
    .where(and(eq(refunds.paymentId, payment.id), eq(refunds.status, "succeeded"), isNull(refunds.reversedAt)))
    .all();
  for (const refund of due) {
    const fresh = (await findPayment(app, { id: payment.id }))!;
    await purpose.reverse(app, toPurposeView(fresh), { id: refund.id, amount: refund.amount });
    for (const hooks of app.payments.paymentHooks) await hooks.refunded?.(app, toPurposeView(fresh), { id: refund.id, amount: refund.amount });
    const marked = await app.db.update(refunds).set({ reversedAt: now() }).where(and(eq(refunds.id, refund.id), isNull(refunds.reversedAt))).run();
    if (marked.meta.changes > 0) {
      app.logger.info("payment.refund_reversed", { paymentId: payment.id, refundId: refund.id, amount: refund.amount });
      await sendRefundIssued(app, payment, refund);
    }
  }
}

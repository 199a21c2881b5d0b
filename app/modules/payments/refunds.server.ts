import { and, eq, isNull, lt, ne, sql } from "drizzle-orm";
import type Stripe from "stripe";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsertWhere } from "~/modules/audit/audit.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { payments, refunds } from "~drizzle/schema";
import { blockingDispute } from "./disputes-records.server";
import { sendRefundIssued } from "./notifications.server";
import type { PaymentPurpose, PaymentPurposeName } from "./purposes";
import { findPayment, publicPayment, publicRefund, toPurposeView, type Payment, type Refund } from "./records.server";
import { getPurpose } from "./registry";
import { checkStripe, createStripe, mapStripeError, outcomeUnknown, stripeShapes } from "./stripe.server";
import { UNKNOWN_OUTCOME_POLICY } from "./unknown-outcomes";

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
 * Money reserved by a refund still in flight is not refundable, but it is not called refunded:
 * "fully refunded" is said only when the refunds Stripe confirmed add up to the payment.
 */
export async function checkRefund(app: AppContext, input: unknown) {
  const data = parseOrThrow(refundSchema, input);
  const payment = await findPayment(app, { id: data.paymentId });
  if (!payment) throw AppError.notFound("Payment");
  if (payment.status === "refunded") throw new AppError("conflict", "This payment has already been fully refunded.");
  if (!["succeeded", "partially_refunded"].includes(payment.status) || !payment.stripePaymentIntentId) {
    throw new AppError("conflict", `Only succeeded payments can be refunded (this one is ${payment.status.replace("_", " ")}).`);
  }
  const disputed = await blockingDispute(app, payment.id);
  if (disputed) {
    throw new AppError("conflict", disputed.status === "lost"
        ? "This payment was charged back by the cardholder's bank; it cannot be refunded as well."
        : disputed.status === "won" || disputed.status === "prevented"
          ? "The bank has just decided this payment's dispute for us; it can be refunded once that is applied, in a minute."
          : "This payment is disputed with the cardholder's bank; it cannot be refunded while the dispute is open.", {
      details: { disputeId: disputed.id },
    });
  }
  const left = payment.amount - payment.amountRefunded - payment.amountRefundPending;
  const amount = data.amount ?? left;
  if (left <= 0 && payment.amountRefundPending > 0) throw refundInProgress(payment);
  if (left <= 0) throw new AppError("conflict", "This payment has already been fully refunded.");
  if (amount > left) {
    const inFlight = payment.amountRefundPending > 0 ? ` (${payment.amountRefundPending} more is being refunded now)` : "";
    throw AppError.validation({ amount: [`At most ${left} (minor units) is left to refund${inFlight}`] });
  }
  return { data, payment: payment as Payment & { stripePaymentIntentId: string }, amount, left };
}

const refundInProgress = (payment: Payment) =>
  new AppError("conflict", "A refund of this payment is in progress with our payment provider. It is settled automatically within minutes; check again then.", {
    details: { paymentId: payment.id, amountRefundPending: payment.amountRefundPending },
  });

/** A refund Stripe has not answered for: pending, with no Stripe refund id. */
const unanswered = (paymentId: string) => and(eq(refunds.paymentId, paymentId), eq(refunds.status, "pending"), isNull(refunds.stripeRefundId));

/**
 * Refunds all (default) or part of a payment. The amount is reserved atomically against what is
 * left, so concurrent or repeated requests can never over-refund; the refund row and its audit
 * entry are written in the same batch. The purpose's reversal runs once Stripe confirms.
 *
 * A refund of this payment that Stripe never answered (a 5xx, a timeout, a lost response) is
 * re-sent first, identically and under its own idempotency key, and Stripe's answer recorded: a
 * retry of the same request (same reason, same or no amount) answers with that refund; another
 * request is then checked against what is truly left.
 */
export async function refundPayment(app: AppContext, actor: Pick<SessionUser, "id"> | null, input: unknown) {
  const asked = parseOrThrow(refundSchema, input);
  const stripe = createStripe(app);
  const inFlight = await app.db.select().from(refunds).where(unanswered(asked.paymentId)).orderBy(refunds.id).all();
  if (inFlight.length) {
    const payment = (await findPayment(app, { id: asked.paymentId }))!;
    const retried = inFlight.find((r) => r.reason === asked.reason && (asked.amount === undefined || asked.amount === r.amount));
    for (const refund of inFlight) {
      await sendRefund(app, stripe, payment as Payment & { stripePaymentIntentId: string }, refund).catch((error: unknown) => {
        // Still unknown, or this very request refused: that is the answer. Another refund that
        // Stripe refused is now failed (its amount freed) and this request goes on.
        const stillOpen = error instanceof AppError && (error.code === "upstream_unavailable" || error.code === "conflict");
        if (stillOpen || refund === retried) throw error;
      });
    }
    if (retried) return finishRefund(app, payment.id, retried.id);
  }
  const { data, payment, amount } = await checkRefund(app, asked);

  const refundId = createId("refund");
  const [reserved] = await app.env.DB.batch(
    refundReservationStatements(app, { refundId, paymentId: payment.id, amount, currency: payment.currency, reason: data.reason, actorId: actor?.id ?? null, at: now() }),
  );
  if (!reserved || reserved.meta.changes === 0) throw refundInProgress(payment);
  app.logger.info("payment.refund_requested", { paymentId: payment.id, refundId, userId: actor?.id ?? null, amount, currency: payment.currency });
  const refund = (await app.db.select().from(refunds).where(eq(refunds.id, refundId)).get())!;
  await sendRefund(app, stripe, payment, refund);
  return finishRefund(app, payment.id, refundId);
}

/** The tax of a refund of ?3 of payment ?2, once its amount is reserved (see refundReservationStatements). */
const REFUND_TAX_SQL = `max(0, min(?3,
  (select (amount_refunded + amount_refund_pending) * tax_amount / amount from payments where id = ?2)
  - (select coalesce(sum(tax_amount), 0) from refunds where payment_id = ?2 and status in ('pending', 'succeeded'))))`;

/** The tax inside a refund of `amount` made outside our API (the Stripe Dashboard), by the same rule. */
async function refundTaxFor(app: AppContext, payment: Payment, amount: number) {
  if (payment.taxAmount <= 0 || payment.amount <= 0) return 0;
  const others = await app.db
    .select({ tax: sql<number>`coalesce(sum(${refunds.taxAmount}), 0)` })
    .from(refunds)
    .where(and(eq(refunds.paymentId, payment.id), sql`${refunds.status} in ('pending', 'succeeded')`))
    .get();
  const cumulative = Math.min(payment.amount, payment.amountRefunded + payment.amountRefundPending + amount);
  return Math.max(0, Math.min(amount, Math.floor((cumulative * payment.taxAmount) / payment.amount) - (others?.tax ?? 0)));
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
 * A capability that decides a refund itself (self-service refunds, docs/marketplace.md) puts its
 * decision before these statements in the same batch and guards the reservation on it.
 */
export function refundReservationStatements(app: AppContext, r: RefundReservation, onlyIf?: { sql: string; params: (string | number)[] }) {
  return [
    app.env.DB.prepare(
      `update payments set amount_refund_pending = amount_refund_pending + ?1, updated_at = ?2
       where id = ?3 and amount - amount_refunded - amount_refund_pending >= ?1${onlyIf ? ` and (${onlyIf.sql})` : ""}`,
    ).bind(r.amount, r.at, r.paymentId, ...(onlyIf?.params ?? [])),
    app.env.DB.prepare(
      // The tax inside the refund: the payment's tax in proportion to everything refunded or being
      // refunded (this refund included, reserved just above), floored, less the tax of the other
      // refunds; so refunds in pieces add up to the payment's tax exactly when it is all refunded.
      `insert into refunds (id, payment_id, amount, currency, reason, status, requested_by, created_at, updated_at, tax_amount)
       select ?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7, ?7, ${REFUND_TAX_SQL} where changes() = 1`,
    ).bind(r.refundId, r.paymentId, r.amount, r.currency, r.reason, r.actorId, r.at),
    app.env.DB.prepare(
      `insert into audit_log (id, actor_id, action, target_type, target_id, metadata, request_id, created_at)
       select ?1, ?2, 'payment.refunded', 'payment', ?3, ?4, ?5, ?6 where exists (select 1 from refunds where id = ?7)`,
    ).bind(createId("audit"), r.actorId, r.paymentId, JSON.stringify({ refundId: r.refundId, amount: r.amount, currency: r.currency, reason: r.reason }), app.requestId, r.at, r.refundId),
  ];
}

/**
 * Sends a reserved refund to Stripe (the first time, or again while Stripe has not answered: same
 * request, same key `refund-<id>`), records the answer and runs the reversals that are due. Throws
 * like `refundPayment`: an unknown outcome leaves the refund pending (reserved), a definite refusal
 * marks it failed. For capabilities that reserved the refund in their own batch.
 */
export async function sendReservedRefund(app: AppContext, payment: Payment & { stripePaymentIntentId: string }, refundId: string) {
  const refund = await app.db.select().from(refunds).where(eq(refunds.id, refundId)).get();
  if (!refund) throw AppError.notFound("Refund");
  if (refund.status === "pending" && !refund.stripeRefundId) await sendRefund(app, createStripe(app), payment, refund);
  return finishRefund(app, payment.id, refundId);
}

/** Runs the reversals that are due and answers with the refund and its payment. */
async function finishRefund(app: AppContext, paymentId: string, refundId: string) {
  const updated = (await findPayment(app, { id: paymentId }))!;
  await runReversals(app, getPurpose(app, updated.purpose as PaymentPurposeName), updated);
  const refund = (await app.db.select().from(refunds).where(eq(refunds.id, refundId)).get())!;
  app.logger.info("payment.refunded", { paymentId, refundId, amount: refund.amount, status: refund.status });
  return { refund: publicRefund(refund), payment: publicPayment((await findPayment(app, { id: paymentId }))!) };
}

/**
 * Sends a refund to Stripe — the first time or again: the request is built from our row alone and
 * carries `refund-<id>`, so Stripe makes it at most once and a re-send returns what it made. Records
 * Stripe's answer; an unknown outcome leaves the row pending (reserved) for the next retry or the
 * cron, a definite refusal marks it failed and frees its amount.
 */
async function sendRefund(app: AppContext, stripe: Stripe, payment: Payment & { stripePaymentIntentId: string }, refund: Refund) {
  const log = app.logger.child({ paymentId: payment.id, refundId: refund.id, userId: refund.requestedBy });
  try {
    const answer = checkStripe(
      stripeShapes.refund,
      await stripe.refunds.create(
        { payment_intent: payment.stripePaymentIntentId, amount: refund.amount, reason: "requested_by_customer", metadata: { refundId: refund.id, paymentId: payment.id } },
        { idempotencyKey: `refund-${refund.id}` },
      ),
      "Refund",
    );
    await app.db.batch([
      app.db
        .update(refunds)
        .set({ status: refundStatus(answer.status), stripeRefundId: answer.id, updatedAt: now() })
        .where(and(eq(refunds.id, refund.id), eq(refunds.status, "pending"))),
      refundTotalsStatement(app, payment.id),
    ]);
  } catch (error) {
    const mapped = mapStripeError({ logger: log }, error);
    if (outcomeUnknown(error)) {
      // Stripe may have made the refund: it stays pending (reserved); a retry re-sends it, and the
      // webhook sync or the cron settles it by our refund id in its metadata.
      log.warn("payment.refund_outcome_unknown", { amount: refund.amount, code: mapped.code });
      throw new AppError(
        mapped.code,
        mapped.code === "conflict"
          ? "This refund is being processed with our payment provider right now. Check again in a moment."
          : "We could not confirm the refund with our payment provider. It stays pending and will be settled automatically.",
        { details: { paymentId: payment.id, refundId: refund.id }, cause: error },
      );
    }
    await app.db.batch([
      app.db.update(refunds).set({ status: "failed", failureMessage: mapped.message, updatedAt: now() }).where(and(eq(refunds.id, refund.id), eq(refunds.status, "pending"))),
      refundTotalsStatement(app, payment.id),
    ]);
    throw mapped;
  }
}

const refundStatus = (status: string | null | undefined) => (status === "succeeded" ? "succeeded" : status === "failed" || status === "canceled" ? "failed" : "pending");

/**
 * Records refunds made in Stripe that we do not know yet (for example from the Dashboard),
 * settles ours by our refund id in their metadata, and recomputes the payment's refunded totals
 * from the refund rows.
 */
export async function syncRefundsFromStripe(app: AppContext, stripe: Stripe, paymentId: string, paymentIntentId: string) {
  const list = await stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 });
  const payment = (await findPayment(app, { id: paymentId }))!;
  const t = now();
  for (const r of list.data) {
    const status = refundStatus(r.status);
    const ourId = r.metadata?.refundId;
    if (ourId) {
      await app.db
        .update(refunds)
        .set({ status, stripeRefundId: r.id, updatedAt: t })
        // Whatever we recorded locally (a timed-out call may have been marked failed), Stripe's
        // answer for our refund id wins; only a succeeded refund is final.
        .where(and(eq(refunds.id, ourId), eq(refunds.paymentId, paymentId), ne(refunds.status, "succeeded")))
        .run();
    } else {
      await app.db
        .insert(refunds)
        .values({
          id: createId("refund"),
          paymentId,
          amount: r.amount,
          currency: payment.currency,
          reason: r.reason ?? "Refunded in Stripe",
          status,
          taxAmount: await refundTaxFor(app, payment, r.amount),
          stripeRefundId: r.id,
          requestedBy: null,
          createdAt: r.created * 1000,
          updatedAt: t,
        })
        .onConflictDoNothing()
        .run();
    }
  }
  await refundTotalsStatement(app, paymentId).run();
}

/**
 * Cron: settles refunds still pending after `UNKNOWN_OUTCOME_POLICY.settleAfterMs`. Stripe is asked
 * first (the PaymentIntent's refunds, matched by our refund id); one it has is recorded as Stripe
 * has it. One it does not have is sent again (same request, same key) until
 * `giveUpAfterMs`, after which it is marked failed and its amount is refundable again.
 */
export async function settlePendingRefunds(app: AppContext, limit = 50) {
  const t = now();
  const due = await app.db
    .select({ paymentId: refunds.paymentId })
    .from(refunds)
    .where(and(eq(refunds.status, "pending"), lt(refunds.createdAt, t - UNKNOWN_OUTCOME_POLICY.settleAfterMs)))
    .groupBy(refunds.paymentId)
    .limit(limit)
    .all();
  const stripe = createStripe(app);
  for (const { paymentId } of due) {
    const log = app.logger.child({ paymentId });
    try {
      const payment = (await findPayment(app, { id: paymentId }))!;
      if (!payment.stripePaymentIntentId) continue;
      await syncRefundsFromStripe(app, stripe, paymentId, payment.stripePaymentIntentId);
      for (const refund of await app.db.select().from(refunds).where(unanswered(paymentId)).all()) {
        if (t - refund.createdAt < UNKNOWN_OUTCOME_POLICY.giveUpAfterMs) {
          await sendRefund(app, stripe, payment as Payment & { stripePaymentIntentId: string }, refund).catch((error) =>
            log.warn("payment.refund_retry_unsettled", { refundId: refund.id, error }),
          );
          continue;
        }
        // Stripe has no refund with our id, and nothing will send it again: it was never made.
        const message = "Our payment provider never received this refund, so nothing was refunded. Refund again if it is still due.";
        const failedAt = now();
        await app.db.batch([
          app.db.update(refunds).set({ status: "failed", failureMessage: message, updatedAt: failedAt }).where(and(eq(refunds.id, refund.id), eq(refunds.status, "pending"), isNull(refunds.stripeRefundId))),
          refundTotalsStatement(app, paymentId),
          auditInsertWhere(
            app,
            { actorId: null, action: "payment.refund_failed", targetType: "payment", targetId: paymentId, metadata: { refundId: refund.id, amount: refund.amount, currency: refund.currency, reason: "never_received" } },
            refunds,
            and(eq(refunds.id, refund.id), eq(refunds.status, "failed"), eq(refunds.updatedAt, failedAt))!,
          ),
        ]);
        log.warn("payment.refund_given_up", { refundId: refund.id, amount: refund.amount });
      }
      const fresh = (await findPayment(app, { id: paymentId }))!;
      await runReversals(app, getPurpose(app, fresh.purpose as PaymentPurposeName), fresh);
    } catch (error) {
      log.warn("payment.refund_settle_failed", { error });
    }
  }
  return due.length;
}

export async function runReversals(app: AppContext, purpose: PaymentPurpose, payment: Payment) {
  const due = await app.db
    .select()
    .from(refunds)
    .where(and(eq(refunds.paymentId, payment.id), eq(refunds.status, "succeeded"), isNull(refunds.reversedAt)))
    .all();
  for (const refund of due) {
    const fresh = (await findPayment(app, { id: payment.id }))!;
    await purpose.reverse(app, toPurposeView(fresh), { id: refund.id, amount: refund.amount, taxAmount: refund.taxAmount });
    for (const hooks of app.payments.paymentHooks) await hooks.refunded?.(app, toPurposeView(fresh), { id: refund.id, amount: refund.amount });
    const marked = await app.db.update(refunds).set({ reversedAt: now() }).where(and(eq(refunds.id, refund.id), isNull(refunds.reversedAt))).run();
    if (marked.meta.changes > 0) {
      app.logger.info("payment.refund_reversed", { paymentId: payment.id, refundId: refund.id, amount: refund.amount });
      await sendRefundIssued(app, payment, refund);
    }
  }
}

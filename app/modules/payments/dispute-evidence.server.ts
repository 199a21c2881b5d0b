import { and, desc, eq, gte, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { formatAmount, formatDateTime } from "~/modules/email/format";
import { DAY, now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import type { Currency } from "~/utils/money";
import { disputes, payments, users } from "~drizzle/schema";
import { applyDisputeEffects, disputeShape, mirrorDispute, type StripeDispute } from "./disputes.server";
import { CLOSED_DISPUTE_STATUSES, DISPUTE_POLICY, RESPONSE_NEEDED_STATUSES } from "./disputes-policy";
import { EVIDENCE_FIELDS, type EvidenceField, type PaymentPurposeName } from "./purposes";
import { findPayment, toPurposeView } from "./records.server";
import { getPurpose } from "./registry";
import { checkStripe, createStripe, mapStripeError } from "./stripe.server";

/*
 * The admin side of disputes (/admin/disputes): the list, the dispute rate, and the evidence form,
 * filled from our own records (the payment and receipt, the account, what the purpose knows of the
 * use of what was bought, the refund policy) for an admin to edit and submit to the bank.
 */

/** Every dispute, newest first, with what the list shows. */
export async function listDisputes(app: AppContext, limit = 100) {
  return app.db
    .select({
      id: disputes.id,
      stripeDisputeId: disputes.stripeDisputeId,
      paymentId: disputes.paymentId,
      amount: disputes.amount,
      currency: disputes.currency,
      reason: disputes.reason,
      status: disputes.status,
      effects: disputes.effects,
      evidenceDueBy: disputes.evidenceDueBy,
      submissionCount: disputes.submissionCount,
      evidenceSubmittedAt: disputes.evidenceSubmittedAt,
      feeAmount: disputes.feeAmount,
      openedAt: disputes.stripeCreatedAt,
      closedAt: disputes.closedAt,
      description: payments.description,
      purpose: payments.purpose,
      learnerName: users.name,
      learnerEmail: users.email,
    })
    .from(disputes)
    .innerJoin(payments, eq(payments.id, disputes.paymentId))
    .innerJoin(users, eq(users.id, disputes.userId))
    .orderBy(desc(disputes.stripeCreatedAt), desc(disputes.id))
    .limit(limit)
    .all();
}

/**
 * The dispute rate card networks watch: disputes opened ÷ succeeded charges over the policy's window
 * (both counted by when the charge was made, so a burst of old disputes does not spike it), with the
 * dispute fees of the window booked as a platform cost.
 */
export async function disputeRate(app: AppContext) {
  const since = now() - DISPUTE_POLICY.rateWindowDays * DAY;
  const [charges, opened] = await Promise.all([
    app.db.get<{ n: number }>(sql`select count(*) as n from ${payments} where ${payments.succeededAt} >= ${since}`),
    app.db
      .select({ n: sql<number>`count(*)`, fees: sql<number>`coalesce(sum(${disputes.feeAmount}), 0)`, currency: disputes.currency })
      .from(disputes)
      .innerJoin(payments, eq(payments.id, disputes.paymentId))
      .where(and(gte(payments.succeededAt, since), sql`${disputes.status} not like 'warning_%'`))
      .groupBy(disputes.currency)
      .all(),
  ]);
  const total = opened.reduce((s, r) => s + r.n, 0);
  const n = charges?.n ?? 0;
  const bps = n === 0 ? 0 : Math.round((total * 10_000) / n);
  return {
    windowDays: DISPUTE_POLICY.rateWindowDays,
    charges: n,
    disputes: total,
    bps,
    level: bps >= DISPUTE_POLICY.rateMonitoringBps ? ("monitoring" as const) : bps >= DISPUTE_POLICY.rateWarningBps ? ("warning" as const) : ("ok" as const),
    fees: opened.filter((r) => r.fees > 0).map((r) => ({ currency: r.currency, amount: r.fees })),
  };
}

/** What the bank reads: text fields of Stripe's evidence, each at most Stripe's 20,000 characters. */
export const evidenceSchema = z.strictObject(Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, z.string().trim().max(20_000, "At most 20,000 characters").optional()])) as Record<EvidenceField, z.ZodOptional<z.ZodString>>);
export type Evidence = z.infer<typeof evidenceSchema>;


async function loadDispute(app: AppContext, disputeId: string) {
  const row = await app.db.select().from(disputes).where(eq(disputes.id, disputeId)).get();
  if (!row) throw AppError.notFound("Dispute");
  const payment = (await findPayment(app, { id: row.paymentId }))!;
  return { row, payment };
}

/** The evidence our records support, for the admin to check and edit before submitting. */
export async function prepareEvidence(app: AppContext, disputeId: string): Promise<Evidence> {
  const { row, payment } = await loadDispute(app, disputeId);
  const user = await app.db.select({ name: users.name, email: users.email, createdAt: users.createdAt }).from(users).where(eq(users.id, payment.userId)).get();
  const fromPurpose = (await getPurpose(app, payment.purpose as PaymentPurposeName).disputeEvidence?.(app, toPurposeView(payment))) ?? {};
  const paid = formatAmount(payment.amount, payment.currency as Currency);
  const receipt = [
    `Receipt ${payment.id}: ${payment.description}, ${paid}, paid ${formatDateTime(payment.succeededAt ?? payment.createdAt)} with the card this dispute concerns (Stripe charge ${row.stripeChargeId}).`,
    `Receipt page: ${app.config.APP_URL}/account/payments/${payment.id} (emailed to ${user?.email ?? "the customer"} when the payment succeeded).`,
    user ? `The account ${user.email} was created on ${formatDateTime(user.createdAt)}; its email address was confirmed with a single-use link sent to it before the account existed.` : null,
    payment.amountRefunded > 0 ? `Already refunded: ${formatAmount(payment.amountRefunded, payment.currency as Currency)}.` : "No refund was requested before this dispute.",
  ].filter(Boolean);
  return {
    customer_name: user?.name,
    customer_email_address: user?.email,
    // A purpose that has its own refund policy (courses: refund-policy.ts) states it; the rest use this one.
    refund_policy_disclosure: DISPUTE_POLICY.refundPolicyText,
    ...fromPurpose,
    uncategorized_text: receipt.join("\n"),
  };
}

/**
 * Submits the admin's evidence to Stripe (`submit: true`; Stripe takes one submission) with an
 * idempotency key from the dispute and its submission count, mirrors Stripe's answer, applies the
 * effects it calls for, and audits the submission.
 */
export async function submitEvidence(app: AppContext, actor: Pick<SessionUser, "id">, disputeId: string, input: unknown) {
  const evidence = parseOrThrow(evidenceSchema, input);
  const { row } = await loadDispute(app, disputeId);
  if (!(RESPONSE_NEEDED_STATUSES as readonly string[]).includes(row.status)) {
    throw new AppError("conflict", (CLOSED_DISPUTE_STATUSES as readonly string[]).includes(row.status) ? "This dispute is closed; evidence can no longer be submitted." : "Evidence for this dispute was already submitted; the bank is reviewing it.");
  }
  const filled = Object.fromEntries(Object.entries(evidence).filter(([, v]) => v)) as Evidence;
  if (!Object.keys(filled).length) throw AppError.validation({ uncategorized_text: ["Give the bank at least one piece of evidence"] });
  let remote: StripeDispute;
  try {
    remote = checkStripe(
      disputeShape,
      await createStripe(app).disputes.update(row.stripeDisputeId, { evidence: filled, submit: true, metadata: { disputeId: row.id, paymentId: row.paymentId } }, { idempotencyKey: `dispute-evidence-${row.id}-${row.submissionCount}` }),
      "Dispute",
    ) as unknown as StripeDispute;
  } catch (error) {
    throw mapStripeError(app, error);
  }
  const t = now();
  await app.db.batch([
    app.db.update(disputes).set({ evidenceSubmittedAt: t, evidenceSubmittedBy: actor.id, updatedAt: t }).where(eq(disputes.id, row.id)),
    auditInsert(app, { actorId: actor.id, action: "dispute.evidence_submitted", targetType: "payment", targetId: row.paymentId, metadata: { disputeId: row.id, stripeDisputeId: row.stripeDisputeId, fields: Object.keys(filled) } }),
  ]);
  app.logger.info("dispute.evidence_submitted", { disputeId: row.id, paymentId: row.paymentId, userId: actor.id, fields: Object.keys(filled) });
  await mirrorDispute(app, remote);
  return applyDisputeEffects(app, row.id);
}

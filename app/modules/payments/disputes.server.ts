import { and, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { notifyUser, sendEmail } from "~/modules/email/email.server";
import { DAY, MINUTE, now } from "~/utils/clock";
import { AppError } from "~/utils/errors";
import { createId } from "~/utils/ids";
import type { Currency } from "~/utils/money";
import { disputes, stripeCustomers, users } from "~drizzle/schema";
import { DISPUTE_STATUSES } from "~drizzle/schema/enums";
import { CLOSED_DISPUTE_STATUSES, DISPUTE_POLICY, disputeReasonLabel, nextStage, RESPONSE_NEEDED_STATUSES, targetStage } from "./disputes-policy";
import type { DisputeEffect, PaymentPurposeName } from "./purposes";
import { reconcilePayment } from "./reconcile.server";
import { findDispute, type Dispute } from "./disputes-records.server";
import { findPayment, toPurposeView, type Payment } from "./records.server";
import { runReversals, syncRefundsFromStripe } from "./refunds.server";
import { getPurpose, type StripeEventOutcome } from "./registry";
import { PAID_STATUSES } from "./status";
import { checkStripe, createStripe } from "./stripe.server";

/*
 * Disputes (chargebacks) of our payments: the `charge.dispute.*` events, through the verified
 * queue like every event, re-read the dispute from Stripe (never trusting the payload), mirror it
 * in `disputes`, and run the policy's effects (disputes-policy.ts) once per stage through the
 * capabilities' hooks. Design: docs/decisions/011-disputes.md.
 */

export type { Dispute };

const idOf = (value: unknown): string | null => (typeof value === "string" ? value : value && typeof value === "object" && typeof (value as { id?: unknown }).id === "string" ? (value as { id: string }).id : null);

/** The fields of Stripe's dispute we act on. */
export const disputeShape = z
  .object({
    id: z.string().regex(/^dp_\w+$/),
    object: z.literal("dispute"),
    amount: z.number().int().nonnegative(),
    currency: z.string().length(3),
    status: z.enum(DISPUTE_STATUSES),
    reason: z.string().min(1),
    created: z.number().int().positive(),
    charge: z.union([z.string().regex(/^ch_\w+$/), z.object({ id: z.string() }).loose()]),
    payment_intent: z.union([z.string().regex(/^pi_\w+$/), z.object({ id: z.string() }).loose()]).nullish(),
    evidence_details: z.object({ due_by: z.number().int().nullable(), submission_count: z.number().int().nonnegative() }).loose(),
    balance_transactions: z.array(z.object({ fee: z.number().int(), amount: z.number().int() }).loose()),
  })
  .loose();
export type StripeDispute = z.infer<typeof disputeShape>;

/** How long one run holds a dispute while it applies a stage's effects. */
export const DISPUTE_EFFECTS_CLAIM_MS = 2 * MINUTE;

const closedList = sql.raw(CLOSED_DISPUTE_STATUSES.map((s) => `'${s}'`).join(", "));

/**
 * Re-reads a dispute from Stripe and mirrors it: one upsert that never moves a closed dispute back
 * to an open status nor lets an older read win (`synced_at`), then applies the effects its status
 * calls for. A dispute of a charge that is not one of our payments is ignored.
 */
export async function syncDispute(app: AppContext, stripeDisputeId: string): Promise<StripeEventOutcome> {
  const remote = checkStripe(disputeShape, await createStripe(app).disputes.retrieve(stripeDisputeId), "Dispute") as unknown as StripeDispute;
  const row = await mirrorDispute(app, remote);
  if (!row) return "ignored";
  await applyDisputeEffects(app, row.id);
  return "processed";
}

/** Writes what Stripe says about the dispute; null when its charge is not one of our payments. */
export async function mirrorDispute(app: AppContext, remote: StripeDispute): Promise<Dispute | null> {
  const piId = idOf(remote.payment_intent);
  const chargeId = idOf(remote.charge)!;
  let payment = piId ? await findPayment(app, { paymentIntentId: piId }) : undefined;
  let customer: string | null = null;
  if (!payment && piId) {
    // A Checkout payment learns its PaymentIntent when the session completes, possibly after this
    // event: the PaymentIntent's metadata names our payment (process.server.ts sets it).
    const intent = await createStripe(app).paymentIntents.retrieve(piId);
    customer = idOf(intent.customer);
    const ours = intent.metadata?.paymentId;
    if (ours) payment = await findPayment(app, { id: ours });
    if (payment && !payment.stripePaymentIntentId) payment = await reconcilePayment(app, payment.id, { paymentIntentId: piId });
  }
  const log = app.logger.child({ disputeId: remote.id, paymentId: payment?.id ?? null });
  if (!payment) {
    // A renewal's charge becomes a payment when its `invoice.paid` is handled (or the renewals cron
    // sees it); a dispute of it can be handled first (its events are another queue group). When the
    // charge is one of our customers', throwing makes the queue retry with backoff until the
    // payment exists, then dead-letters it for an admin's replay; other charges are not ours.
    if (customer && (await app.db.select({ userId: stripeCustomers.userId }).from(stripeCustomers).where(eq(stripeCustomers.stripeCustomerId, customer)).get())) {
      log.warn("dispute.payment_not_recorded_yet", { charge: chargeId, paymentIntent: piId, customer });
      throw new Error(`dispute ${remote.id}: the payment of ${piId} is not recorded yet; retrying`);
    }
    log.warn("dispute.unknown_payment", { charge: chargeId, paymentIntent: piId });
    return null;
  }
  const t = now();
  const fee = remote.balance_transactions.reduce((sum, b) => sum + b.fee, 0);
  const closed = (CLOSED_DISPUTE_STATUSES as readonly string[]).includes(remote.status);
  const values = {
    id: createId("dispute"),
    stripeDisputeId: remote.id,
    paymentId: payment.id,
    userId: payment.userId,
    stripeChargeId: chargeId,
    amount: remote.amount,
    currency: remote.currency,
    reason: remote.reason,
    status: remote.status,
    evidenceDueBy: remote.evidence_details.due_by === null ? null : remote.evidence_details.due_by * 1000,
    submissionCount: remote.evidence_details.submission_count,
    feeAmount: fee,
    closedAt: closed ? t : null,
    stripeCreatedAt: remote.created * 1000,
    syncedAt: t,
    createdAt: t,
    updatedAt: t,
  };
  const row = await app.db
    .insert(disputes)
    .values(values)
    .onConflictDoUpdate({
      target: disputes.stripeDisputeId,
      set: {
        status: sql`excluded.status`,
        amount: sql`excluded.amount`,
        reason: sql`excluded.reason`,
        evidenceDueBy: sql`excluded.evidence_due_by`,
        submissionCount: sql`max(${disputes.submissionCount}, excluded.submission_count)`,
        feeAmount: sql`excluded.fee_amount`,
        closedAt: sql`coalesce(${disputes.closedAt}, excluded.closed_at)`,
        syncedAt: sql`excluded.synced_at`,
        updatedAt: sql`excluded.updated_at`,
      },
      // Forward only: a read older than the stored one, or an open status over a closed one, changes nothing.
      setWhere: sql`excluded.synced_at >= ${disputes.syncedAt} and (${disputes.status} not in (${closedList}) or excluded.status in (${closedList}))`,
    })
    .returning()
    .get();
  const stored = row ?? (await findDispute(app, remote.id));
  if (stored) log.info("dispute.synced", { status: stored.status, amount: stored.amount, currency: stored.currency, reason: stored.reason, fee: stored.feeAmount });
  return stored ?? null;
}


/** Claims the dispute for one run (a conditional update); waits a little for a run that holds it, then gives up (the event is retried). */
async function claimEffects(app: AppContext, disputeId: string): Promise<{ row: Dispute; until: number }> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const t = now();
    const until = t + DISPUTE_EFFECTS_CLAIM_MS;
    const row = await app.db
      .update(disputes)
      .set({ effectsClaimedUntil: until })
      .where(and(eq(disputes.id, disputeId), or(isNull(disputes.effectsClaimedUntil), lte(disputes.effectsClaimedUntil, t))))
      .returning()
      .get();
    if (row) return { row, until };
    await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
  }
  throw new AppError("conflict", "Another run is applying this dispute's effects; the event is retried.");
}

/**
 * Runs the effects the dispute's status calls for, once per stage (nextStage): the payment's
 * purpose (`dispute`), then every capability's payment hooks (`disputed`), each idempotent per
 * dispute and stage; then records the stage, audits it and sends its emails. Runs that would apply
 * effects at the same time are serialized by a claim on the row, and each run decides from the
 * state it finds once it holds the claim, so a stale event never applies an older stage.
 */
export async function applyDisputeEffects(app: AppContext, disputeId: string): Promise<Dispute> {
  const { row, until } = await claimEffects(app, disputeId);
  const log = app.logger.child({ disputeId: row.id, paymentId: row.paymentId, userId: row.userId });
  try {
    const stage = nextStage(row.effects, targetStage(row.status));
    if (!stage) return row;
    if (stage === "close_quietly") {
      await app.db.update(disputes).set({ effects: "won", updatedAt: now() }).where(and(eq(disputes.id, row.id), eq(disputes.effects, row.effects))).run();
      log.info("dispute.closed_before_effects", { status: row.status });
      return row;
    }
    let payment = (await findPayment(app, { id: row.paymentId }))!;
    // The dispute may be handled before the payment's own success: fulfil first, so there is access to pause.
    if (!payment.fulfilledAt && (PAID_STATUSES.includes(payment.status) || payment.stripePaymentIntentId)) payment = await reconcilePayment(app, payment.id);
    if (stage !== "won" && payment.stripePaymentIntentId) payment = await settleRefundsFirst(app, payment);
    const effect: DisputeEffect = {
      id: row.id,
      stripeDisputeId: row.stripeDisputeId,
      stage,
      from: row.effects === "opened" ? "opened" : "none",
      amount: row.amount,
      currency: row.currency as Currency,
      reason: row.reason,
      fee: row.feeAmount,
      policy: DISPUTE_POLICY,
    };
    const view = toPurposeView(payment);
    await getPurpose(app, payment.purpose as PaymentPurposeName).dispute?.(app, view, effect);
    for (const hooks of app.payments.paymentHooks) await hooks.disputed?.(app, view, effect);
    const marked = await app.db
      .update(disputes)
      .set({ effects: stage, updatedAt: now() })
      .where(and(eq(disputes.id, row.id), eq(disputes.effects, row.effects)))
      .run();
    if (marked.meta.changes > 0) {
      await auditInsert(app, {
        actorId: null,
        action: `dispute.${stage}`,
        targetType: "payment",
        targetId: payment.id,
        metadata: { disputeId: row.id, stripeDisputeId: row.stripeDisputeId, amount: row.amount, currency: row.currency, reason: row.reason, status: row.status, fee: row.feeAmount, feeBearer: DISPUTE_POLICY.feeBearer },
      }).run();
      log.info(`dispute.${stage}`, { amount: row.amount, currency: row.currency, reason: row.reason, status: row.status, from: row.effects });
      if (stage === "opened") await notifyDisputeOpened(app, row, payment);
    }
    return (await findDispute(app, row.stripeDisputeId))!;
  } finally {
    await app.db.update(disputes).set({ effectsClaimedUntil: null }).where(and(eq(disputes.id, row.id), eq(disputes.effectsClaimedUntil, until))).run();
  }
}

/**
 * A refund and a chargeback of the same charge: Stripe lets only one through. A refund it made
 * before the dispute existed may still be pending in our rows (its request is between Stripe's
 * answer and ours, or the answer was lost), or succeeded with its reversal not yet run; the
 * dispute's effects would then take the whole sale and a win would give back money the learner
 * was refunded. So the refunds are settled from Stripe first (matched by our refund id) and their
 * reversals run (each once per refund, whoever runs it), and the dispute takes only what they
 * left. Since the dispute now exists, Stripe refuses every later refund (`charge_disputed`), so
 * none can land after this read.
 */
async function settleRefundsFirst(app: AppContext, payment: Payment & { stripePaymentIntentId: string | null }) {
  await syncRefundsFromStripe(app, createStripe(app), payment.id, payment.stripePaymentIntentId!);
  const settled = (await findPayment(app, { id: payment.id }))!;
  await runReversals(app, getPurpose(app, settled.purpose as PaymentPurposeName), settled);
  return (await findPayment(app, { id: payment.id }))!;
}

const admins = (app: AppContext) => app.db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(eq(users.role, "admin")).all();
const disputeUrl = (app: AppContext, row: Dispute) => `${app.config.APP_URL}/admin/disputes?dispute=${row.id}#${row.id}`;

/** The learner (access paused, how to resolve) and the admins (evidence due); the instructor is told by the marketplace. */
async function notifyDisputeOpened(app: AppContext, row: Dispute, payment: Payment) {
  const paused = payment.purpose === "subscription" ? "your paid plan" : `your access to ${payment.description.replace(/^Course: /, "")}`;
  await notifyUser(app, payment.userId, {
    template: "dispute-opened-learner",
    idempotencyKey: `dispute-opened/${row.id}`,
    data: (user) => ({
      name: user.name,
      item: payment.description,
      amount: row.amount,
      currency: row.currency as Currency,
      openedAt: row.stripeCreatedAt,
      paymentId: payment.id,
      paused,
      receiptUrl: `${app.config.APP_URL}/account/payments/${payment.id}`,
    }),
  });
  await notifyAdminsEvidenceDue(app, row, payment, "opened");
}

async function notifyAdminsEvidenceDue(app: AppContext, row: Dispute, payment: Pick<Payment, "description">, why: "opened" | "reminder") {
  if (!row.evidenceDueBy) return;
  const daysLeft = Math.max(0, Math.ceil((row.evidenceDueBy - now()) / DAY));
  for (const admin of await admins(app)) {
    await sendEmail(app, {
      template: "dispute-evidence-due",
      to: admin.email,
      idempotencyKey: `dispute-evidence-due/${row.id}/${why}/${admin.id}`,
      data: { name: admin.name, item: payment.description, amount: row.amount, currency: row.currency as Currency, reason: disputeReasonLabel(row.reason), dueBy: row.evidenceDueBy, daysLeft, disputeUrl: disputeUrl(app, row) },
    });
  }
}

/**
 * Cron: reminds admins of disputes still waiting for evidence whose deadline is within the policy's
 * days (once per dispute: `reminder_sent_at` is claimed by a conditional update first).
 */
export async function remindDisputeDeadlines(app: AppContext, limit = 50) {
  const t = now();
  const soon = t + DISPUTE_POLICY.evidenceReminderDays * DAY;
  const claimed = await app.db
    .update(disputes)
    .set({ reminderSentAt: t })
    .where(
      and(
        inArray(disputes.status, [...RESPONSE_NEEDED_STATUSES]),
        isNull(disputes.reminderSentAt),
        sql`${disputes.evidenceDueBy} is not null and ${disputes.evidenceDueBy} > ${t} and ${disputes.evidenceDueBy} <= ${soon}`,
        sql`${disputes.id} in (select id from disputes where reminder_sent_at is null order by evidence_due_by limit ${limit})`,
      ),
    )
    .returning()
    .all();
  for (const row of claimed) {
    const payment = await findPayment(app, { id: row.paymentId });
    if (payment) await notifyAdminsEvidenceDue(app, row, payment, "reminder");
  }
  if (claimed.length) app.logger.info("disputes.reminders_sent", { count: claimed.length });
  return claimed.length;
}


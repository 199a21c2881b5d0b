import { and, desc, eq, inArray, isNull, lt, sql, type SQL } from "drizzle-orm";
import Stripe from "stripe";
import { z } from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { sendEmail } from "~/modules/email/email.server";
import { now } from "~/utils/clock";
import { withinUtcDays } from "~/utils/db.server";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId, cursorSchema } from "~/utils/ids";
import type { Currency } from "~/utils/money";
import { sameSitePathSchema } from "~/utils/redirect";
import { payments, refunds, stripeCustomers, users } from "~drizzle/schema";
import { PAYMENT_STATUSES } from "~drizzle/schema/enums";
import { PAYMENT_PURPOSES, type PaymentForPurpose, type PaymentPurpose, type PaymentPurposeName } from "./purposes";
import { getPurpose } from "./registry.server";
import { ALLOWED_FROM, PAID_STATUSES, statusFromIntent } from "./status";
import { createStripe, declineMessage, mapStripeError } from "./stripe.server";

export type Payment = typeof payments.$inferSelect;
export type Refund = typeof refunds.$inferSelect;

const returnPath = sameSitePathSchema; // the one same-site rule (app/utils/redirect.ts)

export const processSchema = z
  .object({
    purpose: z.enum(PAYMENT_PURPOSES, { error: `purpose must be one of ${PAYMENT_PURPOSES.join(", ")}` }),
    flow: z.enum(["checkout", "payment_method"]).default("checkout"),
    paymentMethod: z.string().regex(/^pm_\w{1,100}$/, "Must be a Stripe payment method id (pm_...)").optional(),
    successPath: returnPath.default("/account/payments"),
    cancelPath: returnPath.default("/account/payments"),
  })
  .loose()
  .refine((v) => v.flow !== "payment_method" || !!v.paymentMethod, {
    path: ["paymentMethod"],
    message: "paymentMethod is required for the payment_method flow",
  });

export type NextAction = { type: "redirect_to_checkout"; url: string } | { type: "confirm_with_client_secret"; clientSecret: string } | { type: "none" };
export type ProcessResult = { paymentId: string; status: Payment["status"]; amount: number; currency: string; nextAction: NextAction };

const toPurposeView = (p: Payment): PaymentForPurpose => ({
  id: p.id,
  userId: p.userId,
  purpose: p.purpose as PaymentPurposeName,
  purposeRef: p.purposeRef,
  amount: p.amount,
  currency: p.currency as Currency,
  amountRefunded: p.amountRefunded,
  metadata: p.metadata,
});

/** The user's Stripe customer, created once (idempotently) and stored. */
export async function ensureCustomer(app: AppContext, stripe: Stripe, user: Pick<SessionUser, "id" | "email" | "name">) {
  const existing = await app.db.select().from(stripeCustomers).where(eq(stripeCustomers.userId, user.id)).get();
  if (existing) return existing.stripeCustomerId;
  const customer = await stripe.customers.create(
    { email: user.email, name: user.name, metadata: { userId: user.id } },
    { idempotencyKey: `customer-${user.id}` },
  );
  await app.db.insert(stripeCustomers).values({ userId: user.id, stripeCustomerId: customer.id, createdAt: now() }).onConflictDoNothing().run();
  return customer.id;
}

/**
 * Starts a payment for a purpose. Our record is written first (status requires_action); then the
 * Stripe object is created with an idempotency key derived from the record id. A decline marks
 * the record failed (402); a Stripe outage marks it canceled (503) — never a half-made payment.
 */
export async function processPayment(app: AppContext, user: SessionUser, input: unknown): Promise<ProcessResult> {
  const data = parseOrThrow(processSchema, input);
  const purpose = getPurpose(data.purpose);
  const quote = await purpose.quote(app, user, input);
  if (!Number.isSafeInteger(quote.amount) || quote.amount <= 0) {
    throw new AppError("bad_request", "There is nothing to pay for this purchase.");
  }
  const t = now();
  const payment: Payment = {
    id: createId("payment"),
    userId: user.id,
    purpose: data.purpose,
    purposeRef: quote.purposeRef,
    description: quote.description,
    amount: quote.amount,
    currency: quote.currency,
    status: "requires_action",
    amountRefunded: 0,
    amountRefundPending: 0,
    flow: data.flow,
    stripeCustomerId: null,
    stripePaymentIntentId: null,
    stripeCheckoutSessionId: null,
    stripeChargeId: null,
    checkoutUrl: null,
    failureCode: null,
    failureMessage: null,
    metadata: quote.metadata ?? {},
    fulfilledAt: null,
    succeededAt: null,
    stripeUpdatedAt: null,
    createdAt: t,
    updatedAt: t,
  };
  await app.db.insert(payments).values(payment).run();
  const log = app.logger.child({ paymentId: payment.id, userId: user.id });
  log.info("payment.created", { purpose: payment.purpose, amount: payment.amount, currency: payment.currency, flow: payment.flow });

  const stripe = createStripe(app);
  const metadata = { paymentId: payment.id, purpose: payment.purpose, purposeRef: payment.purposeRef, userId: user.id };
  try {
    const customerId = await ensureCustomer(app, stripe, user);
    if (data.flow === "checkout") {
      const back = (path: string) => `${app.config.APP_URL}${path}${path.includes("?") ? "&" : "?"}payment=${payment.id}`;
      const session = await stripe.checkout.sessions.create(
        {
          mode: "payment",
          customer: customerId,
          client_reference_id: payment.id,
          line_items: [{ quantity: 1, price_data: { currency: payment.currency, unit_amount: payment.amount, product_data: { name: payment.description } } }],
          payment_intent_data: { metadata, description: payment.description },
          metadata,
          success_url: back(data.successPath),
          cancel_url: back(data.cancelPath),
        },
        { idempotencyKey: `payment-${payment.id}-checkout` },
      );
      const piId = typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null);
      await app.db
        .update(payments)
        .set({ stripeCustomerId: customerId, stripeCheckoutSessionId: session.id, stripePaymentIntentId: piId, checkoutUrl: session.url, updatedAt: now() })
        .where(eq(payments.id, payment.id))
        .run();
      log.info("payment.checkout_created", { checkoutSessionId: session.id });
      return { paymentId: payment.id, status: "requires_action", amount: payment.amount, currency: payment.currency, nextAction: { type: "redirect_to_checkout", url: session.url! } };
    }

    let intent: Stripe.PaymentIntent;
    try {
      intent = await stripe.paymentIntents.create(
        {
          amount: payment.amount,
          currency: payment.currency,
          customer: customerId,
          payment_method: data.paymentMethod,
          confirm: true,
          description: payment.description,
          metadata,
        },
        { idempotencyKey: `payment-${payment.id}-intent` },
      );
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) {
        const failure = { code: error.decline_code ?? error.code ?? "card_declined", message: declineMessage(error.code, error.decline_code) };
        await app.db
          .update(payments)
          .set({
            status: "failed",
            stripeCustomerId: customerId,
            stripePaymentIntentId: error.payment_intent?.id ?? null,
            failureCode: failure.code,
            failureMessage: failure.message,
            updatedAt: now(),
          })
          .where(eq(payments.id, payment.id))
          .run();
        log.warn("payment.declined", { code: failure.code });
        throw new AppError("payment_required", failure.message, { details: { paymentId: payment.id, code: failure.code }, cause: error });
      }
      throw error;
    }
    // Fulfilment waits for the webhook; the API answers with what Stripe said now.
    const status = intent.status === "succeeded" ? "processing" : statusFromIntent(intent.status, !!intent.last_payment_error);
    await app.db
      .update(payments)
      .set({ stripeCustomerId: customerId, stripePaymentIntentId: intent.id, status, updatedAt: now() })
      .where(and(eq(payments.id, payment.id), eq(payments.status, "requires_action")))
      .run();
    const nextAction: NextAction =
      intent.status === "requires_action" && intent.client_secret ? { type: "confirm_with_client_secret", clientSecret: intent.client_secret } : { type: "none" };
    return { paymentId: payment.id, status, amount: payment.amount, currency: payment.currency, nextAction };
  } catch (error) {
    if (error instanceof AppError) throw error;
    const mapped = mapStripeError({ logger: log }, error);
    await app.db
      .update(payments)
      .set({ status: "canceled", failureCode: "stripe_unavailable", failureMessage: mapped.message, updatedAt: now() })
      .where(and(eq(payments.id, payment.id), eq(payments.status, "requires_action")))
      .run();
    log.warn("payment.canceled_on_error", { code: mapped.code });
    throw new AppError(mapped.code, mapped.message, { details: { paymentId: payment.id }, cause: error });
  }
}

export async function findPayment(app: AppContext, where: { id?: string; paymentIntentId?: string; checkoutSessionId?: string }) {
  const cond = where.id
    ? eq(payments.id, where.id)
    : where.paymentIntentId
      ? eq(payments.stripePaymentIntentId, where.paymentIntentId)
      : where.checkoutSessionId
        ? eq(payments.stripeCheckoutSessionId, where.checkoutSessionId)
        : undefined;
  if (!cond) return undefined;
  return app.db.select().from(payments).where(cond).get();
}

/**
 * Brings our payment in line with Stripe by re-reading the PaymentIntent (never trusting an
 * event's possibly stale payload), then runs fulfilment and refund reversals that are due. Safe to
 * call any number of times, in any order.
 */
export async function reconcilePayment(app: AppContext, paymentId: string, hint: { paymentIntentId?: string | null } = {}) {
  const stripe = createStripe(app);
  let payment = await findPayment(app, { id: paymentId });
  if (!payment) throw AppError.notFound("Payment");
  const log = app.logger.child({ paymentId, userId: payment.userId });
  const before = payment.status;

  let piId = payment.stripePaymentIntentId ?? hint.paymentIntentId ?? null;
  if (!piId && payment.stripeCheckoutSessionId) {
    const session = await stripe.checkout.sessions.retrieve(payment.stripeCheckoutSessionId);
    piId = typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null);
  }
  if (!piId) return payment; // Checkout not completed yet: nothing to sync.

  const intent = await stripe.paymentIntents.retrieve(piId);
  const next = statusFromIntent(intent.status, !!intent.last_payment_error);
  const chargeId = typeof intent.latest_charge === "string" ? intent.latest_charge : (intent.latest_charge?.id ?? null);
  const failure = intent.last_payment_error;
  const t = now();
  await app.db
    .update(payments)
    .set({
      stripePaymentIntentId: piId,
      stripeChargeId: chargeId,
      status: next,
      failureCode: next === "failed" ? (failure?.decline_code ?? failure?.code ?? "card_declined") : null,
      failureMessage: next === "failed" ? declineMessage(failure?.code, failure?.decline_code) : null,
      succeededAt: next === "succeeded" ? sql`coalesce(${payments.succeededAt}, ${t})` : payments.succeededAt,
      stripeUpdatedAt: t,
      updatedAt: t,
    })
    .where(and(eq(payments.id, paymentId), inArray(payments.status, [...ALLOWED_FROM[next]])))
    .run();
  // The PI id may be new even when the status did not move (e.g. a Checkout just completed).
  if (!payment.stripePaymentIntentId) {
    await app.db.update(payments).set({ stripePaymentIntentId: piId }).where(and(eq(payments.id, paymentId), isNull(payments.stripePaymentIntentId))).run();
  }

  if (PAID_STATUSES.includes(next) || PAID_STATUSES.includes(payment.status)) await syncRefundsFromStripe(app, stripe, paymentId, piId);
  payment = (await findPayment(app, { id: paymentId }))!;
  if (payment.status !== before) log.info("payment.status_changed", { from: before, to: payment.status });
  await runDueEffects(app, payment);
  return (await findPayment(app, { id: paymentId }))!;
}

/** Fulfils a paid payment once, then reverses each succeeded refund once; sends the emails. */
async function runDueEffects(app: AppContext, payment: Payment) {
  const purpose = getPurpose(payment.purpose as PaymentPurposeName);
  const log = app.logger.child({ paymentId: payment.id, userId: payment.userId });
  if (PAID_STATUSES.includes(payment.status) && !payment.fulfilledAt) {
    await purpose.fulfil(app, toPurposeView(payment));
    const marked = await app.db
      .update(payments)
      .set({ fulfilledAt: now() })
      .where(and(eq(payments.id, payment.id), isNull(payments.fulfilledAt)))
      .run();
    if (marked.meta.changes > 0) {
      log.info("payment.fulfilled", { purpose: payment.purpose, amount: payment.amount, currency: payment.currency });
      await sendReceipt(app, payment);
    }
  }
  if (payment.status === "failed") await sendFailureNotice(app, payment);
  await runReversals(app, purpose, payment);
}

async function runReversals(app: AppContext, purpose: PaymentPurpose, payment: Payment) {
  const due = await app.db
    .select()
    .from(refunds)
    .where(and(eq(refunds.paymentId, payment.id), eq(refunds.status, "succeeded"), isNull(refunds.reversedAt)))
    .all();
  for (const refund of due) {
    const fresh = (await findPayment(app, { id: payment.id }))!;
    await purpose.reverse(app, toPurposeView(fresh), { id: refund.id, amount: refund.amount });
    const marked = await app.db.update(refunds).set({ reversedAt: now() }).where(and(eq(refunds.id, refund.id), isNull(refunds.reversedAt))).run();
    if (marked.meta.changes > 0) {
      app.logger.info("payment.refund_reversed", { paymentId: payment.id, refundId: refund.id, amount: refund.amount });
      const user = await app.db.select().from(users).where(eq(users.id, payment.userId)).get();
      if (user) {
        await sendEmail(app, {
          template: "refund-issued",
          to: user.email,
          idempotencyKey: `refund-issued/${refund.id}`,
          data: {
            name: user.name,
            item: payment.description,
            amount: refund.amount,
            currency: payment.currency as Currency,
            refundedAt: refund.updatedAt,
            paymentId: payment.id,
            refundId: refund.id,
            reason: refund.reason,
            receiptUrl: `${app.config.APP_URL}/account/payments/${payment.id}`,
          },
        });
      }
    }
  }
}

async function sendReceipt(app: AppContext, payment: Payment) {
  const user = await app.db.select().from(users).where(eq(users.id, payment.userId)).get();
  if (!user) return;
  await sendEmail(app, {
    template: "payment-receipt",
    to: user.email,
    idempotencyKey: `payment-receipt/${payment.id}`,
    data: {
      name: user.name,
      item: payment.description,
      amount: payment.amount,
      currency: payment.currency as Currency,
      paidAt: payment.succeededAt ?? now(),
      paymentId: payment.id,
      receiptUrl: `${app.config.APP_URL}/account/payments/${payment.id}`,
    },
  });
}

async function sendFailureNotice(app: AppContext, payment: Payment) {
  if (payment.purpose === "subscription") return; // dunning emails come from the subscriptions capability
  const user = await app.db.select().from(users).where(eq(users.id, payment.userId)).get();
  if (!user) return;
  await sendEmail(app, {
    template: "payment-failed",
    to: user.email,
    idempotencyKey: `payment-failed/${payment.id}/${payment.failureCode ?? "declined"}`,
    data: {
      name: user.name,
      item: payment.description,
      amount: payment.amount,
      currency: payment.currency as Currency,
      failedAt: payment.updatedAt,
      failureReason: payment.failureMessage ?? undefined,
      updatePaymentUrl: `${app.config.APP_URL}/account/payments/${payment.id}`,
    },
  });
}

/**
 * Records refunds made in Stripe that we do not know yet (for example from the Dashboard),
 * confirms our pending ones, and recomputes the payment's refunded totals from the refund rows.
 */
async function syncRefundsFromStripe(app: AppContext, stripe: Stripe, paymentId: string, paymentIntentId: string) {
  const list = await stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 });
  const payment = (await findPayment(app, { id: paymentId }))!;
  const t = now();
  for (const r of list.data) {
    const status = r.status === "succeeded" ? "succeeded" : r.status === "failed" || r.status === "canceled" ? "failed" : "pending";
    const ourId = r.metadata?.refundId;
    if (ourId) {
      await app.db
        .update(refunds)
        .set({ status, stripeRefundId: r.id, updatedAt: t })
        .where(and(eq(refunds.id, ourId), eq(refunds.paymentId, paymentId), eq(refunds.status, "pending")))
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

/** amount_refunded and amount_refund_pending are always sums of refund rows; status follows. */
function refundTotalsStatement(app: AppContext, paymentId: string) {
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
 * Refunds all (default) or part of a payment. The amount is reserved atomically against what is
 * left, so concurrent or repeated requests can never over-refund; the refund row and its audit
 * entry are written in the same batch. The purpose's reversal runs once Stripe confirms.
 */
export async function refundPayment(app: AppContext, actor: SessionUser, input: unknown) {
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

  const refundId = createId("refund");
  const t = now();
  // One D1 batch (one transaction): reserve the amount only if enough is left, then write the
  // refund row and its audit entry only if that reservation changed a row.
  const [reserved] = await app.env.DB.batch([
    app.env.DB.prepare(
      `update payments set amount_refund_pending = amount_refund_pending + ?1, updated_at = ?2
       where id = ?3 and amount - amount_refunded - amount_refund_pending >= ?1`,
    ).bind(amount, t, payment.id),
    app.env.DB.prepare(
      `insert into refunds (id, payment_id, amount, currency, reason, status, requested_by, created_at, updated_at)
       select ?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7, ?7 where changes() = 1`,
    ).bind(refundId, payment.id, amount, payment.currency, data.reason, actor.id, t),
    app.env.DB.prepare(
      `insert into audit_log (id, actor_id, action, target_type, target_id, metadata, request_id, created_at)
       select ?1, ?2, 'payment.refunded', 'payment', ?3, ?4, ?5, ?6 where exists (select 1 from refunds where id = ?7)`,
    ).bind(createId("audit"), actor.id, payment.id, JSON.stringify({ refundId, amount, currency: payment.currency, reason: data.reason }), app.requestId, t, refundId),
  ]);
  if (!reserved || reserved.meta.changes === 0) throw new AppError("conflict", "Another refund for this payment is in progress; reload and try again.");
  const log = app.logger.child({ paymentId: payment.id, refundId, userId: actor.id });
  log.info("payment.refund_requested", { amount, currency: payment.currency });

  const stripe = createStripe(app);
  try {
    const refund = await stripe.refunds.create(
      { payment_intent: payment.stripePaymentIntentId, amount, reason: "requested_by_customer", metadata: { refundId, paymentId: payment.id } },
      { idempotencyKey: `refund-${refundId}` },
    );
    const status = refund.status === "succeeded" ? "succeeded" : refund.status === "failed" ? "failed" : "pending";
    await app.db.batch([
      app.db.update(refunds).set({ status, stripeRefundId: refund.id, updatedAt: now() }).where(eq(refunds.id, refundId)),
      refundTotalsStatement(app, payment.id),
    ]);
  } catch (error) {
    const mapped = mapStripeError({ logger: log }, error);
    await app.db.batch([
      app.db.update(refunds).set({ status: "failed", failureMessage: mapped.message, updatedAt: now() }).where(eq(refunds.id, refundId)),
      refundTotalsStatement(app, payment.id),
    ]);
    throw mapped;
  }
  const updated = (await findPayment(app, { id: payment.id }))!;
  await runReversals(app, getPurpose(updated.purpose as PaymentPurposeName), updated);
  const refund = (await app.db.select().from(refunds).where(eq(refunds.id, refundId)).get())!;
  log.info("payment.refunded", { amount, status: refund.status });
  return { refund: publicRefund(refund), payment: publicPayment((await findPayment(app, { id: payment.id }))!) };
}

export const historySchema = z.object({
  status: z.enum(PAYMENT_STATUSES).optional(),
  purpose: z.enum(PAYMENT_PURPOSES).optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  userId: z.string().max(64).optional(),
  cursor: cursorSchema("payment"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** Newest first with refunds attached; `userId` other than the caller's needs an admin. */
export async function listPayments(app: AppContext, input: z.infer<typeof historySchema> & { userId: string }) {
  const where: SQL[] = [eq(payments.userId, input.userId)];
  if (input.status) where.push(eq(payments.status, input.status));
  if (input.purpose) where.push(eq(payments.purpose, input.purpose));
  where.push(...withinUtcDays(payments.createdAt, input.from, input.to));
  if (input.cursor) where.push(lt(payments.id, input.cursor));
  const rows = await app.db
    .select()
    .from(payments)
    .where(and(...where))
    .orderBy(desc(payments.id))
    .limit(input.limit + 1)
    .all();
  const page = rows.slice(0, input.limit);
  const refundRows = page.length
    ? await app.db.select().from(refunds).where(inArray(refunds.paymentId, page.map((p) => p.id))).orderBy(refunds.id).all()
    : [];
  return {
    items: page.map((p) => ({ ...publicPayment(p), refunds: refundRows.filter((r) => r.paymentId === p.id).map(publicRefund) })),
    nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null,
  };
}

/** A payment with its refunds, for its owner or an admin; anyone else gets a 404. */
export async function getPaymentFor(app: AppContext, viewer: SessionUser, paymentId: string, canReadAny: boolean) {
  const payment = await findPayment(app, { id: paymentId });
  if (!payment || (payment.userId !== viewer.id && !canReadAny)) throw AppError.notFound("Payment");
  const refundRows = await app.db.select().from(refunds).where(eq(refunds.paymentId, payment.id)).orderBy(refunds.id).all();
  return { ...publicPayment(payment), refunds: refundRows.map(publicRefund) };
}

export function publicPayment(p: Payment) {
  return {
    id: p.id,
    userId: p.userId,
    purpose: p.purpose,
    purposeRef: p.purposeRef,
    description: p.description,
    amount: p.amount,
    currency: p.currency,
    status: p.status,
    amountRefunded: p.amountRefunded,
    amountRefundable: Math.max(0, PAID_STATUSES.includes(p.status) ? p.amount - p.amountRefunded - p.amountRefundPending : 0),
    failure: p.failureCode ? { code: p.failureCode, message: p.failureMessage } : null,
    createdAt: p.createdAt,
    succeededAt: p.succeededAt,
  };
}

export function publicRefund(r: Refund) {
  return { id: r.id, paymentId: r.paymentId, amount: r.amount, currency: r.currency, reason: r.reason, status: r.status, createdAt: r.createdAt };
}

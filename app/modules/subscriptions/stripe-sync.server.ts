import { and, desc, eq, inArray, lte, ne } from "drizzle-orm";
import type Stripe from "stripe";
import type { AppContext } from "~/context.server";
import { notifyUser } from "~/modules/email/email.server";
import { NOTIFIED_PLAN_CHANGES } from "~/modules/email/templates";
import { createStripe, declineMessage } from "~/modules/payments/stripe.server";
import { DAY, now } from "~/utils/clock";
import { createId } from "~/utils/ids";
import type { Currency } from "~/utils/money";
import { payments, stripeCustomers, subscriptionChanges, subscriptions, users } from "~drizzle/schema";
import type { SubscriptionChangeKind, SubscriptionStatus } from "~drizzle/schema/enums";
import { planForLookupKey, planLabel, TIERS, type BillingInterval, type PaidTier } from "./tiers";

export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type ChangeSource = "user" | "admin" | "webhook" | "cron";
export type SyncContext = { source: ChangeSource; actorId?: string | null };

/** Statuses that keep the paid tier's features (past_due is the dunning grace period). */
export const ENTITLED_STATUSES = ["active", "trialing", "past_due"] as const satisfies readonly SubscriptionStatus[];
/** Statuses a subscription can still leave (it may become active or be canceled). */
export const OPEN_STATUSES = ["incomplete", "trialing", "active", "past_due", "unpaid", "paused"] as const satisfies readonly SubscriptionStatus[];

/**
 * Dunning: after a renewal payment fails (attempt 1, by Stripe), we retry the invoice ourselves
 * 1, 3, 5 and 7 days after that first failure (attempts 2–5). Access continues (past_due) until
 * the last retry fails; then the subscription is canceled and the user is back on Free.
 */
export const RETRY_DAYS = [1, 3, 5, 7] as const;

export const billingUrl = (app: Pick<AppContext, "config">) => `${app.config.APP_URL}/account/billing`;

const seconds = (ms: number) => Math.floor(ms / 1000);
const ms = (s: number | null | undefined) => (s === null || s === undefined ? null : s * 1000);

/** The plan a Stripe subscription bills for: by the price's lookup key, else our metadata. */
export function planOfStripeSubscription(sub: Stripe.Subscription): { tier: PaidTier; interval: BillingInterval; priceId: string; amount: number; currency: string } | null {
  const item = sub.items.data[0];
  if (!item) return null;
  const plan =
    planForLookupKey(item.price.lookup_key) ??
    (sub.metadata?.tier && sub.metadata?.interval ? { tier: sub.metadata.tier as PaidTier, interval: sub.metadata.interval as BillingInterval } : null);
  if (!plan || !TIERS[plan.tier]?.prices) return null;
  return { ...plan, priceId: item.price.id, amount: (item.price.unit_amount ?? 0) * (item.quantity ?? 1), currency: sub.currency };
}

type StripePlan = NonNullable<ReturnType<typeof planOfStripeSubscription>>;

const TRIAL_END_BEHAVIORS = ["cancel", "pause", "create_invoice"] as const;
const trialEndBehaviorOf = (v: string | null | undefined): (typeof TRIAL_END_BEHAVIORS)[number] | null =>
  TRIAL_END_BEHAVIORS.find((b) => b === v) ?? null;

/** The one mapping from a Stripe subscription to the columns our row mirrors from it. */
function mirrorOfStripeSubscription(sub: Stripe.Subscription, plan: StripePlan) {
  const item = sub.items.data[0]!;
  return {
    status: sub.status as SubscriptionStatus,
    amount: plan.amount,
    currency: plan.currency,
    currentPeriodStart: item.current_period_start * 1000,
    currentPeriodEnd: item.current_period_end * 1000,
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    canceledAt: ms(sub.canceled_at),
    endedAt: ms(sub.ended_at),
    stripePriceId: plan.priceId,
    trialStart: ms(sub.trial_start),
    trialEnd: ms(sub.trial_end),
    trialEndBehavior: sub.trial_end ? trialEndBehaviorOf(sub.trial_settings?.end_behavior?.missing_payment_method) : null,
    hasPaymentMethod: !!sub.default_payment_method,
    latestInvoiceId: typeof sub.latest_invoice === "string" ? sub.latest_invoice : (sub.latest_invoice?.id ?? null),
  };
}

async function userIdForStripeSubscription(app: AppContext, sub: Stripe.Subscription) {
  if (sub.metadata?.userId) {
    const user = await app.db.select({ id: users.id }).from(users).where(eq(users.id, sub.metadata.userId)).get();
    if (user) return user.id;
  }
  const customerId = typeof sub.customer === "string" ? sub.customer : sub.customer.id;
  const row = await app.db.select({ userId: stripeCustomers.userId }).from(stripeCustomers).where(eq(stripeCustomers.stripeCustomerId, customerId)).get();
  return row?.userId ?? null;
}

export async function findByStripeId(app: AppContext, stripeSubscriptionId: string) {
  return app.db.select().from(subscriptions).where(eq(subscriptions.stripeSubscriptionId, stripeSubscriptionId)).get();
}

/** The user's newest subscription that is not over (entitled, incomplete, unpaid ...), if any. */
export async function findOpenSubscription(app: AppContext, userId: string) {
  return app.db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.userId, userId), inArray(subscriptions.status, [...OPEN_STATUSES])))
    .orderBy(desc(subscriptions.id))
    .get();
}

type ChangeInput = {
  kind: SubscriptionChangeKind;
  dedupeKey: string;
  before?: Pick<SubscriptionRow, "tier" | "status" | "interval"> | null;
  after: Pick<SubscriptionRow, "tier" | "status" | "interval">;
  amount?: number | null;
  currency?: string | null;
  stripeInvoiceId?: string | null;
};

const NOTIFIED: readonly string[] = NOTIFIED_PLAN_CHANGES;

/**
 * Appends a history row once (same subscription + dedupe key → one row). The first time a change a
 * subscriber should hear about is recorded (upgrade, interval, scheduled downgrade, cancel, resume,
 * end), they get the "subscription-changed" email, keyed by the same row so it is sent once.
 */
export async function recordChange(app: AppContext, row: Pick<SubscriptionRow, "id" | "userId" | "currentPeriodEnd">, ctx: SyncContext, change: ChangeInput) {
  const inserted = await app.db
    .insert(subscriptionChanges)
    .values({
      id: createId("subscriptionChange"),
      subscriptionId: row.id,
      userId: row.userId,
      kind: change.kind,
      fromTier: change.before?.tier ?? null,
      toTier: change.after.tier,
      fromStatus: change.before?.status ?? null,
      toStatus: change.after.status,
      fromInterval: change.before?.interval ?? null,
      toInterval: change.after.interval,
      amount: change.amount ?? null,
      currency: change.currency ?? null,
      source: ctx.source,
      actorId: ctx.actorId ?? null,
      stripeInvoiceId: change.stripeInvoiceId ?? null,
      dedupeKey: change.dedupeKey,
      createdAt: now(),
    })
    .onConflictDoNothing()
    .returning({ id: subscriptionChanges.id })
    .get();
  if (!inserted || !NOTIFIED.includes(change.kind)) return;
  const kind = change.kind as (typeof NOTIFIED_PLAN_CHANGES)[number];
  const { before, after } = change;
  // An end is news only to someone who had the plan (not a start that never completed).
  if (kind === "canceled" && !(before && (ENTITLED_STATUSES as readonly string[]).includes(before.status))) return;
  const full = after as Partial<SubscriptionRow>;
  await notifyUser(app, row.userId, {
    template: "subscription-changed",
    idempotencyKey: `subscription-change/${inserted.id}`,
    data: (user) => ({
      name: user.name,
      change: kind,
      plan: planLabel(after.tier, after.interval),
      ...(before && (kind === "upgraded" || kind === "interval_changed" || kind === "downgrade_scheduled") ? { previousPlan: planLabel(before.tier, before.interval) } : {}),
      effectiveAt: kind === "canceled" ? (full.endedAt ?? now()) : (full.currentPeriodEnd ?? row.currentPeriodEnd),
      manageUrl: billingUrl(app),
    }),
  });
}

/**
 * Brings our row in line with the subscription as Stripe has it NOW (re-read, never an event's
 * payload), so duplicate, late or out-of-order events cannot regress it:
 * - a read taken before the one already applied is dropped (`synced_at` only moves forward);
 * - `canceled` is final for a Stripe subscription;
 * - a scheduled downgrade keeps the old tier until the period it was scheduled in has ended.
 * Records what changed in the history. Returns the row (null when the subscription is not ours).
 */
export async function syncSubscription(app: AppContext, stripeSubscriptionId: string, ctx: SyncContext, fetched?: Stripe.Subscription): Promise<SubscriptionRow | null> {
  const readAt = now();
  const sub = fetched ?? (await createStripe(app).subscriptions.retrieve(stripeSubscriptionId));
  const plan = planOfStripeSubscription(sub);
  const log = app.logger.child({ stripeSubscriptionId });
  if (!plan) {
    log.warn("subscription.unknown_price", {});
    return null;
  }
  let row = await findByStripeId(app, sub.id);
  const mirrored = mirrorOfStripeSubscription(sub, plan);
  const { status, currentPeriodStart: periodStart } = mirrored;
  const customerId = typeof sub.customer === "string" ? sub.customer : sub.customer.id;

  if (!row) {
    const userId = await userIdForStripeSubscription(app, sub);
    if (!userId) {
      log.warn("subscription.unknown_user", { customerId });
      return null;
    }
    const t = now();
    const inserted = await app.db
      .insert(subscriptions)
      .values({
        id: createId("subscription"),
        userId,
        tier: plan.tier,
        interval: plan.interval,
        ...mirrored,
        stripeSubscriptionId: sub.id,
        stripeCustomerId: customerId,
        syncedAt: readAt,
        createdAt: t,
        updatedAt: t,
      })
      .onConflictDoNothing()
      .returning()
      .get();
    if (inserted) {
      log.info("subscription.created", { userId, subscriptionId: inserted.id, tier: plan.tier, interval: plan.interval, status });
      await recordChange(app, inserted, ctx, { kind: "created", dedupeKey: "created", before: null, after: inserted, amount: plan.amount, currency: plan.currency });
      return inserted;
    }
    row = (await findByStripeId(app, sub.id))!;
  }

  if (row.status === "canceled" || row.syncedAt > readAt) return row;

  // A scheduled downgrade: Stripe bills the new price from the next period; the old tier stays until then.
  let tier: PaidTier = plan.tier;
  let interval: BillingInterval = plan.interval;
  let pendingTier = row.pendingTier;
  let pendingInterval = row.pendingInterval;
  if (pendingTier && pendingTier === plan.tier && pendingInterval === plan.interval && periodStart < row.currentPeriodEnd) {
    tier = row.tier;
    interval = row.interval;
  } else {
    pendingTier = null;
    pendingInterval = null;
  }
  const entitled = (ENTITLED_STATUSES as readonly string[]).includes(status);
  const recovered = row.status === "past_due" && status === "active";
  const next = {
    tier,
    interval,
    ...mirrored,
    pendingTier: status === "canceled" ? null : pendingTier,
    pendingInterval: status === "canceled" ? null : pendingInterval,
    // Paid again: dunning is over. Ended: nothing more to retry (the attempts stay for the record).
    ...(status === "active"
      ? { dunningInvoiceId: null, pastDueSince: null, paymentAttempts: 0, nextPaymentAttemptAt: null, lastPaymentError: null }
      : !entitled
        ? { nextPaymentAttemptAt: null }
        : {}),
    syncedAt: readAt,
    updatedAt: now(),
  };
  const updated = await app.db
    .update(subscriptions)
    .set(next)
    .where(and(eq(subscriptions.id, row.id), ne(subscriptions.status, "canceled"), lte(subscriptions.syncedAt, readAt)))
    .returning()
    .get();
  if (!updated) return (await findByStripeId(app, sub.id)) ?? row;

  const base = { before: row, after: updated };
  if (updated.status !== row.status) {
    log.info("subscription.status_changed", { userId: row.userId, subscriptionId: row.id, from: row.status, to: updated.status });
    const kind: SubscriptionChangeKind =
      updated.status === "canceled"
        ? "canceled"
        : recovered
          ? "payment_recovered"
          : row.status === "trialing" && updated.status === "active"
            ? "trial_converted"
            : updated.status === "paused"
              ? "paused"
              : "status_changed";
    await recordChange(app, row, ctx, { ...base, kind, dedupeKey: `${kind}:${updated.status}:${periodStart}` });
  }
  if (TIERS[updated.tier].rank !== TIERS[row.tier].rank) {
    const kind = TIERS[updated.tier].rank > TIERS[row.tier].rank ? "upgraded" : "downgraded";
    await recordChange(app, row, ctx, { ...base, kind, dedupeKey: `${kind}:${updated.tier}:${updated.interval}:${periodStart}` });
  } else if (updated.interval !== row.interval) {
    await recordChange(app, row, ctx, { ...base, kind: "interval_changed", dedupeKey: `interval:${updated.interval}:${periodStart}` });
  } else if (periodStart > row.currentPeriodStart && updated.status !== "canceled" && row.status !== "trialing") {
    await recordChange(app, row, ctx, { ...base, kind: "renewed", dedupeKey: `renewed:${periodStart}`, amount: updated.amount, currency: updated.currency });
  }
  if (updated.cancelAtPeriodEnd !== row.cancelAtPeriodEnd && updated.status !== "canceled") {
    const kind = updated.cancelAtPeriodEnd ? "cancel_scheduled" : "resumed";
    await recordChange(app, row, ctx, { ...base, kind, dedupeKey: `${kind}:${readAt}` });
  }
  return updated;
}

const invoiceSubscriptionId = (invoice: Stripe.Invoice) => {
  const ref = invoice.parent?.subscription_details?.subscription;
  return typeof ref === "string" ? ref : (ref?.id ?? null);
};

function invoicePaymentIntentId(invoice: Stripe.Invoice): string | null {
  const paid = invoice.payments?.data?.find((p) => p.status === "paid") ?? invoice.payments?.data?.[0];
  const pi = paid?.payment?.payment_intent;
  return typeof pi === "string" ? pi : (pi?.id ?? null);
}

export async function retrieveInvoice(app: AppContext, invoiceId: string) {
  return createStripe(app).invoices.retrieve(invoiceId, { expand: ["payments"] });
}

/**
 * A paid invoice becomes one `payments` row (purpose "subscription"), once per PaymentIntent, so it
 * shows in payment history; the first time it is seen the user gets the receipt (or, for a
 * renewal, the renewal confirmation).
 */
export async function recordPaidInvoice(app: AppContext, row: SubscriptionRow, invoice: Stripe.Invoice) {
  if (invoice.status !== "paid" || invoice.amount_paid <= 0) return false;
  const piId = invoicePaymentIntentId(invoice);
  if (!piId) return false;
  const t = now();
  const renewal = invoice.billing_reason === "subscription_cycle";
  const plan = planLabel(row.tier, row.interval);
  // The first charge after a free trial is a cycle invoice whose period starts at the trial's end.
  const afterTrial = renewal && row.trialEnd !== null && (invoice.lines?.data?.[0]?.period?.start ?? 0) * 1000 === row.trialEnd;
  const description = `Coursemint ${plan}${invoice.billing_reason === "subscription_update" ? " — plan change" : afterTrial ? " — first payment after the free trial" : renewal ? " — renewal" : ""}`;
  const paidAt = ms(invoice.status_transitions?.paid_at) ?? t;
  const inserted = await app.db
    .insert(payments)
    .values({
      id: createId("payment"),
      userId: row.userId,
      purpose: "subscription",
      purposeRef: row.id,
      description,
      amount: invoice.amount_paid,
      currency: invoice.currency,
      status: "succeeded",
      flow: "payment_method",
      stripeCustomerId: row.stripeCustomerId,
      stripePaymentIntentId: piId,
      metadata: { invoiceId: invoice.id!, subscriptionId: row.id, billingReason: invoice.billing_reason ?? "" },
      fulfilledAt: t,
      succeededAt: paidAt,
      stripeUpdatedAt: t,
      createdAt: t,
      updatedAt: t,
    })
    .onConflictDoNothing()
    .returning()
    .get();
  if (!inserted) return false;
  app.logger.info("subscription.invoice_recorded", { userId: row.userId, subscriptionId: row.id, paymentId: inserted.id, invoiceId: invoice.id, amount: invoice.amount_paid });
  if (renewal) {
    await notifyUser(app, row.userId, {
      template: "subscription-renewed",
      idempotencyKey: `subscription-invoice/${invoice.id}`,
      data: (user) => ({
        name: user.name,
        plan: `Coursemint ${plan}`,
        amount: invoice.amount_paid,
        currency: invoice.currency as Currency,
        renewedAt: paidAt,
        periodEnd: row.currentPeriodEnd,
        paymentId: inserted.id,
        manageUrl: billingUrl(app),
      }),
    });
  } else {
    await notifyUser(app, row.userId, {
      template: "payment-receipt",
      idempotencyKey: `subscription-invoice/${invoice.id}`,
      data: (user) => ({
        name: user.name,
        item: description,
        amount: invoice.amount_paid,
        currency: invoice.currency as Currency,
        paidAt,
        paymentId: inserted.id,
        receiptUrl: billingUrl(app),
      }),
    });
  }
  return true;
}

/** When the next retry is due after `attempts` failed attempts (null: no retry left). */
export function nextRetryAt(pastDueSince: number, attempts: number): number | null {
  const days = RETRY_DAYS[attempts - 1];
  return days === undefined ? null : pastDueSince + days * DAY;
}

/**
 * A renewal (or retry) payment failed: record the dunning state, email the user (once per attempt)
 * and, after the last attempt, cancel the subscription at Stripe (the user returns to Free).
 * Called by the invoice.payment_failed handler and by the cron retry; idempotent.
 */
export async function handleFailedInvoice(app: AppContext, row: SubscriptionRow, invoice: Stripe.Invoice, ctx: SyncContext): Promise<SubscriptionRow> {
  if (invoice.status !== "open" || invoice.billing_reason === "subscription_create") return row;
  const attempts = Math.max(invoice.attempt_count ?? 0, 1);
  if (row.dunningInvoiceId === invoice.id && row.paymentAttempts >= attempts) return row; // seen this attempt
  const pastDueSince = row.dunningInvoiceId === invoice.id && row.pastDueSince ? row.pastDueSince : invoice.created * 1000;
  const next = nextRetryAt(pastDueSince, attempts);
  const accessEndsAt = pastDueSince + RETRY_DAYS[RETRY_DAYS.length - 1]! * DAY;
  const errorMessage = await paymentErrorMessage(app, invoice);
  const updated =
    (await app.db
      .update(subscriptions)
      .set({ dunningInvoiceId: invoice.id, pastDueSince, paymentAttempts: attempts, nextPaymentAttemptAt: next, lastPaymentError: errorMessage, updatedAt: now() })
      .where(and(eq(subscriptions.id, row.id), ne(subscriptions.status, "canceled")))
      .returning()
      .get()) ?? row;
  app.logger.warn("subscription.payment_failed", { userId: row.userId, subscriptionId: row.id, invoiceId: invoice.id, attempt: attempts, nextAttemptAt: next });
  await recordChange(app, row, ctx, {
    kind: "payment_failed",
    dedupeKey: `payment_failed:${invoice.id}:${attempts}`,
    before: row,
    after: updated,
    amount: invoice.amount_due,
    currency: invoice.currency,
    stripeInvoiceId: invoice.id,
  });
  await notifyUser(app, row.userId, {
    template: "payment-failed",
    idempotencyKey: `subscription-payment-failed/${invoice.id}/${attempts}`,
    data: (user) => ({
      name: user.name,
      item: `Coursemint ${planLabel(row.tier, row.interval)} renewal`,
      amount: invoice.amount_due,
      currency: invoice.currency as Currency,
      failedAt: now(),
      attempt: attempts,
      nextAttemptAt: next,
      accessEndsAt: next === null ? now() : accessEndsAt,
      ...(errorMessage ? { failureReason: errorMessage } : {}),
      updatePaymentUrl: billingUrl(app),
    }),
  });
  if (next === null) return cancelAfterFailedPayments(app, updated, ctx);
  return updated;
}

async function paymentErrorMessage(app: AppContext, invoice: Stripe.Invoice): Promise<string | null> {
  const piId = invoicePaymentIntentId(invoice);
  if (!piId) return null;
  const pi = await createStripe(app).paymentIntents.retrieve(piId);
  const error = pi.last_payment_error;
  return error ? declineMessage(error.code, error.decline_code) : null;
}

/** The last retry failed: cancel at Stripe now and mirror it (the user is back on Free). */
async function cancelAfterFailedPayments(app: AppContext, row: SubscriptionRow, ctx: SyncContext) {
  const stripe = createStripe(app);
  let canceled: Stripe.Subscription;
  try {
    canceled = await stripe.subscriptions.cancel(
      row.stripeSubscriptionId,
      { cancellation_details: { comment: "All renewal payment attempts failed." } },
      { idempotencyKey: `sub-dunning-cancel-${row.id}` },
    );
  } catch (error) {
    // Already canceled (by Stripe's own dunning or an earlier run): mirror what Stripe has.
    canceled = await stripe.subscriptions.retrieve(row.stripeSubscriptionId);
    if (canceled.status !== "canceled") throw error;
  }
  app.logger.warn("subscription.canceled_after_failed_payments", { userId: row.userId, subscriptionId: row.id });
  return (await syncSubscription(app, row.stripeSubscriptionId, ctx, canceled)) ?? row;
}

/** The invoice's subscription id (for webhook handlers). */
export { invoiceSubscriptionId, seconds };

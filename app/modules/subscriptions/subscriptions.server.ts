import { and, desc, eq, inArray } from "drizzle-orm";
import type Stripe from "stripe";
import { z } from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { ensureCustomer } from "~/modules/payments/payments.server";
import { createStripe, mapStripeError } from "~/modules/payments/stripe.server";
import { MINUTE, now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { sameSitePathSchema } from "~/utils/redirect";
import { subscriptionChanges, subscriptions } from "~drizzle/schema";
import {
  ENTITLED_STATUSES,
  findOpenSubscription,
  recordChange,
  recordPaidInvoice,
  retrieveInvoice,
  syncSubscription,
  type SubscriptionRow,
  type SyncContext,
} from "./stripe-sync.server";
import {
  BILLING_INTERVALS,
  FEATURES,
  PAID_TIERS,
  planLabel,
  STRIPE_PRICE_IDS,
  TIERS,
  tierHasFeature,
  tierPrice,
  upgradeTierFor,
  upgradeUrl,
  type BillingInterval,
  type Feature,
  type PaidTier,
  type SubscriptionTier,
} from "./tiers";

// ---------------------------------------------------------------- entitlement and gating

export type Entitlement = { tier: SubscriptionTier; subscription: SubscriptionRow | null };

/** The tier a user is entitled to now: their newest active / trialing / past_due (grace) subscription, else Free. */
export async function getEntitlement(app: AppContext, userId: string): Promise<Entitlement> {
  const row = await app.db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.userId, userId), inArray(subscriptions.status, [...ENTITLED_STATUSES])))
    .orderBy(desc(subscriptions.id))
    .get();
  return row ? { tier: row.tier, subscription: row } : { tier: "free", subscription: null };
}

export async function hasFeature(app: AppContext, userId: string, feature: Feature) {
  return tierHasFeature((await getEntitlement(app, userId)).tier, feature);
}

export { upgradeUrl };

/**
 * Guard for routes and services: throws 403 `feature_locked` with an upgrade hint (the tier that
 * unlocks it and where to upgrade) when the user's tier does not include `feature`.
 */
export async function requireFeature(app: AppContext, user: Pick<SessionUser, "id">, feature: Feature): Promise<Entitlement> {
  const entitlement = await getEntitlement(app, user.id);
  if (tierHasFeature(entitlement.tier, feature)) return entitlement;
  const required = upgradeTierFor(feature);
  app.logger.info("subscription.feature_locked", { userId: user.id, feature, tier: entitlement.tier });
  throw new AppError("feature_locked", `${FEATURES[feature].label} is part of Coursemint ${TIERS[required].name}. Upgrade to unlock it.`, {
    details: { feature, currentTier: entitlement.tier, requiredTier: required, upgradeUrl: upgradeUrl(feature) },
  });
}

/** Marketplace discount for the user's tier, in basis points (Pro 20% = 2000). */
export async function tierDiscountBps(app: AppContext, userId: string): Promise<number> {
  return TIERS[(await getEntitlement(app, userId)).tier].limits.courseDiscountBps;
}

/** Reward-token multiplier for the user's tier, in hundredths (150 = 1.5×). */
export async function tierTokenMultiplierPct(app: AppContext, userId: string): Promise<number> {
  return TIERS[(await getEntitlement(app, userId)).tier].limits.tokenMultiplierPct;
}

// ---------------------------------------------------------------- Stripe prices

/**
 * The Stripe price id of a plan: from STRIPE_PRICE_IDS for this environment, else by lookup key.
 * Outside production a missing price is created (the emulator starts empty). The price's amount
 * must equal our configuration, or we refuse to sell it.
 */
export async function resolvePrice(app: AppContext, stripe: Stripe, tier: PaidTier, interval: BillingInterval): Promise<Stripe.Price> {
  const config = tierPrice(tier, interval);
  const configured = STRIPE_PRICE_IDS[app.config.APP_ENV][config.lookupKey];
  let price: Stripe.Price | undefined;
  if (configured) price = await stripe.prices.retrieve(configured);
  else {
    const found = await stripe.prices.list({ lookup_keys: [config.lookupKey], active: true, limit: 1 });
    price = found.data[0];
  }
  if (!price) {
    if (app.config.APP_ENV === "production") throw new AppError("internal", "This plan is not available right now.");
    price = await stripe.prices.create(
      {
        currency: TIERS[tier].currency,
        unit_amount: config.amount,
        recurring: { interval },
        lookup_key: config.lookupKey,
        product_data: { name: `Coursemint ${TIERS[tier].name}` },
        metadata: { tier, interval },
      },
      { idempotencyKey: `price-${config.lookupKey}-${config.amount}` },
    );
  }
  if (price.unit_amount !== config.amount || price.currency !== TIERS[tier].currency || price.recurring?.interval !== interval) {
    app.logger.error("subscription.price_mismatch", { lookupKey: config.lookupKey, stripeAmount: price.unit_amount, amount: config.amount });
    throw new AppError("internal", "This plan is not available right now.");
  }
  return price;
}

// ---------------------------------------------------------------- views

export type SubscriptionView = ReturnType<typeof subscriptionView>;

export function subscriptionView(entitlement: Entitlement, open: SubscriptionRow | null = entitlement.subscription) {
  const row = entitlement.subscription ?? open;
  const tier = entitlement.tier;
  return {
    tier,
    tierName: TIERS[tier].name,
    plan: planLabel(tier, row?.interval),
    status: row?.status ?? "active",
    interval: row?.interval ?? null,
    amount: row?.amount ?? 0,
    currency: row?.currency ?? TIERS[tier].currency,
    currentPeriodStart: row?.currentPeriodStart ?? null,
    currentPeriodEnd: row?.currentPeriodEnd ?? null,
    /** The next renewal, or null when the subscription ends at period end (or there is none). */
    renewsAt: row && !row.cancelAtPeriodEnd && row.status !== "canceled" ? row.currentPeriodEnd : null,
    cancelAtPeriodEnd: row?.cancelAtPeriodEnd ?? false,
    accessEndsAt: row?.cancelAtPeriodEnd ? row.currentPeriodEnd : null,
    pendingChange: row?.pendingTier ? { tier: row.pendingTier, interval: row.pendingInterval ?? row.interval, effectiveAt: row.currentPeriodEnd } : null,
    dunning:
      row?.status === "past_due"
        ? { since: row.pastDueSince, attempts: row.paymentAttempts, nextAttemptAt: row.nextPaymentAttemptAt, lastError: row.lastPaymentError }
        : null,
    subscriptionId: row?.id ?? null,
    features: TIERS[tier].features,
    limits: TIERS[tier].limits,
  };
}

/** GET /api/subscriptions/current. */
export async function currentSubscription(app: AppContext, userId: string) {
  const entitlement = await getEntitlement(app, userId);
  return subscriptionView(entitlement, entitlement.subscription ?? (await findOpenSubscription(app, userId)) ?? null);
}

export async function subscriptionHistory(app: AppContext, userId: string, limit = 50) {
  return app.db.select().from(subscriptionChanges).where(eq(subscriptionChanges.userId, userId)).orderBy(desc(subscriptionChanges.id)).limit(limit).all();
}

/** The user's Stripe invoices (newest first) for the billing page. */
export async function listInvoices(app: AppContext, userId: string) {
  const row = await app.db.select().from(subscriptions).where(eq(subscriptions.userId, userId)).orderBy(desc(subscriptions.id)).get();
  if (!row) return [];
  const list = await createStripe(app).invoices.list({ customer: row.stripeCustomerId, limit: 24 });
  return list.data.map((i) => ({
    id: i.id!,
    number: i.number,
    status: i.status,
    billingReason: i.billing_reason,
    amountDue: i.amount_due,
    amountPaid: i.amount_paid,
    currency: i.currency,
    created: i.created * 1000,
    url: i.hosted_invoice_url ?? null,
  }));
}

// ---------------------------------------------------------------- create

const returnPath = sameSitePathSchema; // the one same-site rule (app/utils/redirect.ts)

export const createSchema = z
  .strictObject({
    tier: z.enum(PAID_TIERS, { error: "tier must be pro or enterprise" }),
    interval: z.enum(BILLING_INTERVALS, { error: "interval must be month or year" }).default("month"),
    flow: z.enum(["checkout", "payment_method"]).default("checkout"),
    paymentMethod: z.string().regex(/^pm_\w{1,100}$/, "Must be a Stripe payment method id (pm_...)").optional(),
    successPath: returnPath.default("/account/billing?checkout=success"),
    cancelPath: returnPath.default("/pricing?checkout=canceled"),
  })
  .refine((v) => v.flow !== "payment_method" || !!v.paymentMethod, { path: ["paymentMethod"], message: "paymentMethod is required for the payment_method flow" });

export type CreateResult =
  | { status: "requires_action"; nextAction: { type: "redirect_to_checkout"; url: string } }
  | { status: "active"; subscription: SubscriptionView };

/**
 * Starts a paid subscription. `checkout` (browsers) returns the hosted Checkout URL; the
 * subscription row appears when Stripe reports it (webhook). `payment_method` (API) attaches the
 * card, creates the subscription and charges the first period now: 402 on a decline.
 */
export async function createSubscription(app: AppContext, user: SessionUser, input: unknown): Promise<CreateResult> {
  const data = parseOrThrow(createSchema, input);
  const open = await findOpenSubscription(app, user.id);
  if (open && open.status !== "incomplete") {
    throw new AppError("conflict", `You already have the ${planLabel(open.tier, open.interval)} plan. Change it with PUT /api/subscriptions/update or on the billing page.`);
  }
  const stripe = createStripe(app);
  const attemptId = createId("subscription");
  const log = app.logger.child({ userId: user.id, tier: data.tier, interval: data.interval });
  try {
    const price = await resolvePrice(app, stripe, data.tier, data.interval);
    const customerId = await ensureCustomer(app, stripe, user);
    const metadata = { userId: user.id, tier: data.tier, interval: data.interval };
    if (data.flow === "checkout") {
      const session = await stripe.checkout.sessions.create(
        {
          mode: "subscription",
          customer: customerId,
          client_reference_id: user.id,
          line_items: [{ price: price.id, quantity: 1 }],
          metadata,
          subscription_data: { metadata },
          success_url: `${app.config.APP_URL}${data.successPath}`,
          cancel_url: `${app.config.APP_URL}${data.cancelPath}`,
        },
        { idempotencyKey: `sub-checkout-${attemptId}` },
      );
      log.info("subscription.checkout_started", { checkoutSessionId: session.id });
      return { status: "requires_action", nextAction: { type: "redirect_to_checkout", url: session.url! } };
    }
    const pm = await stripe.paymentMethods.attach(data.paymentMethod!, { customer: customerId }, { idempotencyKey: `sub-pm-${attemptId}` });
    const sub = await stripe.subscriptions.create(
      {
        customer: customerId,
        items: [{ price: price.id, quantity: 1 }],
        default_payment_method: pm.id,
        payment_behavior: "error_if_incomplete",
        metadata,
      },
      { idempotencyKey: `sub-create-${attemptId}` },
    );
    const row = await syncSubscription(app, sub.id, { source: "user", actorId: user.id }, sub);
    if (!row) throw new AppError("internal", "Something went wrong on our side. Please try again.");
    const invoiceId = typeof sub.latest_invoice === "string" ? sub.latest_invoice : sub.latest_invoice?.id;
    if (invoiceId) await recordPaidInvoice(app, row, await retrieveInvoice(app, invoiceId));
    log.info("subscription.started", { subscriptionId: row.id });
    return { status: "active", subscription: subscriptionView({ tier: row.tier, subscription: row }) };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw mapStripeError(app, error);
  }
}

/** After Checkout completes (webhook): mirror the new subscription and record its first invoice. */
export async function completeCheckoutSubscription(app: AppContext, stripeSubscriptionId: string, ctx: SyncContext) {
  const row = await syncSubscription(app, stripeSubscriptionId, ctx);
  if (!row?.latestInvoiceId) return row;
  await recordPaidInvoice(app, row, await retrieveInvoice(app, row.latestInvoiceId));
  return row;
}

// ---------------------------------------------------------------- change plan

export const changeSchema = z.strictObject({
  tier: z.enum(PAID_TIERS, { error: "tier must be pro or enterprise (cancel to go back to Free)" }),
  interval: z.enum(BILLING_INTERVALS, { error: "interval must be month or year" }),
  /** true: only compute what the change would cost. */
  preview: z.boolean().default(false),
  /** The `prorationDate` of a preview: confirming with it charges exactly the previewed amount. */
  prorationDate: z.number().int().positive().optional(),
});

export type ChangeKind = "upgrade" | "downgrade" | "interval_switch" | "keep_current";
export type ProrationLine = { description: string; amount: number };
export type ChangePreview = {
  kind: ChangeKind;
  from: { tier: PaidTier; interval: BillingInterval };
  to: { tier: PaidTier; interval: BillingInterval };
  /** immediate: charged now; period_end: the new price applies from the next renewal. */
  effective: "immediate" | "period_end";
  effectiveAt: number;
  lines: ProrationLine[];
  /** Charged now (after any account credit), integer minor units. */
  amountDue: number;
  /** Credit left on the account for future invoices (≥ 0). */
  creditAfter: number;
  currency: string;
  /** The next renewal's amount and date after the change. */
  nextRenewal: { amount: number; at: number };
  /** Epoch seconds; pass back to confirm at exactly this price. */
  prorationDate: number;
};

const PREVIEW_VALID_MS = 30 * MINUTE;

function classify(row: SubscriptionRow, tier: PaidTier, interval: BillingInterval): ChangeKind {
  const current = { tier: row.tier, interval: row.interval };
  if (current.tier === tier && current.interval === interval) {
    if (row.pendingTier) return "keep_current";
    throw new AppError("conflict", `You are already on ${planLabel(tier, interval)}.`);
  }
  if (row.pendingTier) {
    throw new AppError("conflict", `A change to ${planLabel(row.pendingTier, row.pendingInterval)} is scheduled for the end of this period. Keep your current plan first, then choose another.`);
  }
  const diff = TIERS[tier].rank - TIERS[current.tier].rank;
  if (diff > 0) return "upgrade";
  if (diff < 0) {
    if (interval !== current.interval) {
      throw new AppError("unprocessable", "A downgrade keeps your billing interval; switch the interval first, then downgrade.", {
        details: { fieldErrors: { interval: ["Choose the same billing interval when downgrading."] } },
      });
    }
    return "downgrade";
  }
  return "interval_switch";
}

/** Stripe's proration arithmetic (to the second, each line rounded), as the emulator and Stripe bill it. */
function prorate(sub: Stripe.Subscription, newPrice: Stripe.Price, prorationDate: number) {
  const item = sub.items.data[0]!;
  const start = item.current_period_start;
  const end = item.current_period_end;
  const fraction = Math.max(0, Math.min(1, (end - prorationDate) / (end - start)));
  const oldAmount = (item.price.unit_amount ?? 0) * (item.quantity ?? 1);
  const newAmount = newPrice.unit_amount ?? 0;
  const intervalChanged = item.price.recurring?.interval !== newPrice.recurring?.interval;
  const day = new Date(prorationDate * 1000).toISOString().slice(0, 10);
  const lines: ProrationLine[] = [];
  if (oldAmount) lines.push({ description: `Unused time on your current plan after ${day}`, amount: -Math.round(oldAmount * fraction) });
  if (intervalChanged) lines.push({ description: `New plan, first ${newPrice.recurring?.interval === "year" ? "year" : "month"} from ${day}`, amount: newAmount });
  else lines.push({ description: `Remaining time on the new plan after ${day}`, amount: Math.round(newAmount * fraction) });
  return { lines, intervalChanged };
}

async function loadChangeable(app: AppContext, userId: string) {
  const row = await findOpenSubscription(app, userId);
  if (!row || !(ENTITLED_STATUSES as readonly string[]).includes(row.status)) {
    throw new AppError("not_found", "You have no paid subscription to change. Choose a plan on the pricing page.");
  }
  if (row.status === "past_due") {
    throw new AppError("unprocessable", "Your last payment failed. Update your payment method before changing plans.");
  }
  return row;
}

async function buildPreview(app: AppContext, stripe: Stripe, row: SubscriptionRow, sub: Stripe.Subscription, tier: PaidTier, interval: BillingInterval, prorationDate: number): Promise<{ preview: ChangePreview; price: Stripe.Price }> {
  const kind = classify(row, tier, interval);
  const price = await resolvePrice(app, stripe, tier, interval);
  const item = sub.items.data[0]!;
  const base = { kind, from: { tier: row.tier, interval: row.interval }, to: { tier, interval }, currency: sub.currency, prorationDate };
  if (kind === "downgrade" || kind === "keep_current") {
    return {
      price,
      preview: {
        ...base,
        effective: "period_end",
        effectiveAt: item.current_period_end * 1000,
        lines: [],
        amountDue: 0,
        creditAfter: 0,
        nextRenewal: { amount: price.unit_amount ?? 0, at: item.current_period_end * 1000 },
      },
    };
  }
  const { lines, intervalChanged } = prorate(sub, price, prorationDate);
  const customerId = typeof sub.customer === "string" ? sub.customer : sub.customer.id;
  const [customer, pending] = await Promise.all([
    stripe.customers.retrieve(customerId),
    stripe.invoiceItems.list({ customer: customerId, pending: true, limit: 100 }),
  ]);
  for (const ii of pending.data) lines.unshift({ description: ii.description ?? "Pending item", amount: ii.amount });
  const total = lines.reduce((s, l) => s + l.amount, 0);
  const balance = "deleted" in customer && customer.deleted ? 0 : (customer as Stripe.Customer).balance ?? 0;
  const applied = total + balance;
  const newPeriodEnd = intervalChanged ? addInterval(prorationDate, interval) : item.current_period_end;
  return {
    price,
    preview: {
      ...base,
      effective: "immediate",
      effectiveAt: prorationDate * 1000,
      lines,
      amountDue: Math.max(0, applied),
      creditAfter: -Math.min(0, applied),
      nextRenewal: { amount: price.unit_amount ?? 0, at: newPeriodEnd * 1000 },
    },
  };
}

/**
 * "Now" for this subscription's billing, in epoch seconds: our clock, or, for a customer on a
 * Stripe test clock (tests and demos only), that clock's frozen time, so prorations match.
 */
async function billingNow(stripe: Stripe, sub: Stripe.Subscription): Promise<number> {
  const clockId = typeof sub.test_clock === "string" ? sub.test_clock : sub.test_clock?.id;
  if (clockId) return (await stripe.testHelpers.testClocks.retrieve(clockId)).frozen_time;
  return Math.floor(now() / 1000);
}

function addInterval(ts: number, interval: BillingInterval) {
  const d = new Date(ts * 1000);
  if (interval === "month") d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCFullYear(d.getUTCFullYear() + 1);
  return Math.floor(d.getTime() / 1000);
}

export type ChangeResult = { preview: ChangePreview; applied: boolean; charged: { amount: number; currency: string; invoiceId: string | null } | null; subscription: SubscriptionView };

/**
 * PUT /api/subscriptions/update. Upgrades (and interval switches) apply now and charge the
 * prorated difference at once (`always_invoice`), computed at `prorationDate` so the charge equals
 * the preview. Downgrades keep the current tier until the period ends; Stripe bills the new price
 * from the next renewal. Choosing the current plan again drops a scheduled downgrade.
 */
export async function changeSubscription(app: AppContext, user: SessionUser, input: unknown): Promise<ChangeResult> {
  const data = parseOrThrow(changeSchema, input);
  const row = await loadChangeable(app, user.id);
  const stripe = createStripe(app);
  const log = app.logger.child({ userId: user.id, subscriptionId: row.id });
  const sub = await stripe.subscriptions.retrieve(row.stripeSubscriptionId).catch((error) => {
    throw mapStripeError(app, error);
  });
  const nowS = await billingNow(stripe, sub);
  let prorationDate = nowS;
  if (data.prorationDate !== undefined) {
    if (data.prorationDate > nowS + 60 || data.prorationDate * 1000 < nowS * 1000 - PREVIEW_VALID_MS) {
      throw new AppError("unprocessable", "This price preview has expired. Preview the change again.", { details: { fieldErrors: { prorationDate: ["Expired; preview again."] } } });
    }
    prorationDate = data.prorationDate;
  }
  try {
    const { preview, price } = await buildPreview(app, stripe, row, sub, data.tier, data.interval, prorationDate);
    if (data.preview) return { preview, applied: false, charged: null, subscription: subscriptionView({ tier: row.tier, subscription: row }) };
    if (prorationDate * 1000 < sub.items.data[0]!.current_period_start * 1000) {
      throw new AppError("unprocessable", "This price preview has expired. Preview the change again.");
    }
    const item = sub.items.data[0]!;
    const ctx: SyncContext = { source: "user", actorId: user.id };
    const idem = `sub-change-${row.id}-${data.tier}-${data.interval}-${prorationDate}`;
    let updated: Stripe.Subscription;
    if (preview.effective === "period_end") {
      const pending = preview.kind === "downgrade" ? { pendingTier: data.tier, pendingInterval: data.interval } : { pendingTier: null, pendingInterval: null };
      // Recorded first, so the webhook for this update already knows the old tier stays until period end.
      await app.db.update(subscriptions).set({ ...pending, updatedAt: now() }).where(eq(subscriptions.id, row.id)).run();
      updated = await stripe.subscriptions.update(
        row.stripeSubscriptionId,
        { items: [{ id: item.id, price: price.id }], proration_behavior: "none", metadata: { tier: data.tier, interval: data.interval } },
        { idempotencyKey: idem },
      );
    } else {
      updated = await stripe.subscriptions.update(
        row.stripeSubscriptionId,
        {
          items: [{ id: item.id, price: price.id }],
          proration_behavior: "always_invoice",
          proration_date: prorationDate,
          payment_behavior: "error_if_incomplete",
          cancel_at_period_end: false,
          metadata: { tier: data.tier, interval: data.interval },
        },
        { idempotencyKey: idem },
      );
    }
    const synced = (await syncSubscription(app, updated.id, ctx, updated)) ?? row;
    if (preview.kind === "downgrade") {
      await recordChange(app, row, ctx, {
        kind: "downgrade_scheduled",
        dedupeKey: `downgrade_scheduled:${data.tier}:${data.interval}:${row.currentPeriodEnd}`,
        before: row,
        after: { tier: data.tier, interval: data.interval, status: synced.status },
      });
    }
    let charged: ChangeResult["charged"] = null;
    if (preview.effective === "immediate") {
      const invoiceId = typeof updated.latest_invoice === "string" ? updated.latest_invoice : (updated.latest_invoice?.id ?? null);
      const invoice = invoiceId ? await retrieveInvoice(app, invoiceId) : null;
      if (invoice) await recordPaidInvoice(app, synced, invoice);
      charged = { amount: invoice?.amount_paid ?? 0, currency: sub.currency, invoiceId };
      if (charged.amount !== preview.amountDue) log.error("subscription.preview_mismatch", { previewed: preview.amountDue, charged: charged.amount, invoiceId });
    }
    log.info("subscription.changed", { kind: preview.kind, tier: data.tier, interval: data.interval, amount: charged?.amount ?? 0 });
    return { preview, applied: true, charged, subscription: subscriptionView({ tier: synced.tier, subscription: synced }) };
  } catch (error) {
    if (error instanceof AppError) throw error;
    // A declined proration charge: mirror whatever Stripe now has, then report the decline.
    await syncSubscription(app, row.stripeSubscriptionId, { source: "user", actorId: user.id }).catch(() => null);
    throw mapStripeError(app, error);
  }
}

// ---------------------------------------------------------------- cancel and resume

export const cancelSchema = z.strictObject({
  /** Admins only: end the subscription now instead of at period end. */
  immediately: z.boolean().default(false),
  /** Admins only: whose subscription. */
  userId: z.string().regex(/^usr_\w+$/).optional(),
  reason: z.string().trim().max(300).optional(),
});

/**
 * POST /api/subscriptions/cancel. By default the subscription ends at period end (access kept until
 * then; resumable). Admins (`update:subscription:any`) may cancel any user's subscription
 * immediately; that is audited.
 */
export async function cancelSubscription(app: AppContext, actor: SessionUser, input: unknown, canCancelAny: boolean) {
  const data = parseOrThrow(cancelSchema, input);
  const targetId = data.userId ?? actor.id;
  if ((data.immediately || targetId !== actor.id) && !canCancelAny) {
    throw AppError.forbidden(data.immediately ? "Only an administrator can end a subscription immediately." : "You can only cancel your own subscription.");
  }
  const row = await findOpenSubscription(app, targetId);
  if (!row) throw new AppError("not_found", "There is no active subscription to cancel.");
  const stripe = createStripe(app);
  const ctx: SyncContext = { source: targetId === actor.id && !data.immediately ? "user" : "admin", actorId: actor.id };
  try {
    if (data.immediately) {
      const canceled = await stripe.subscriptions
        .cancel(row.stripeSubscriptionId, { cancellation_details: { comment: data.reason ?? "Canceled by an administrator." } }, { idempotencyKey: `sub-cancel-now-${row.id}` })
        .catch(async (error) => {
          const current = await stripe.subscriptions.retrieve(row.stripeSubscriptionId);
          if (current.status === "canceled") return current;
          throw error;
        });
      await app.db.batch([
        auditInsert(app, {
          actorId: actor.id,
          action: "subscription.canceled_immediately",
          targetType: "subscription",
          targetId: row.id,
          metadata: { userId: targetId, tier: row.tier, interval: row.interval, reason: data.reason ?? null },
        }),
      ]);
      const synced = (await syncSubscription(app, row.stripeSubscriptionId, ctx, canceled)) ?? row;
      app.logger.info("subscription.canceled_immediately", { userId: targetId, subscriptionId: row.id, actorId: actor.id });
      return subscriptionView(await getEntitlement(app, targetId), synced);
    }
    if (row.cancelAtPeriodEnd) return subscriptionView(await getEntitlement(app, targetId), row);
    const updated = await stripe.subscriptions.update(row.stripeSubscriptionId, { cancel_at_period_end: true }, { idempotencyKey: `sub-cancel-${row.id}-${row.currentPeriodEnd}-${now()}` });
    const synced = (await syncSubscription(app, updated.id, ctx, updated)) ?? row;
    app.logger.info("subscription.cancel_scheduled", { userId: targetId, subscriptionId: row.id, endsAt: synced.currentPeriodEnd });
    return subscriptionView(await getEntitlement(app, targetId), synced);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw mapStripeError(app, error);
  }
}

/** POST /api/subscriptions/resume: undo a cancellation before the period ends. */
export async function resumeSubscription(app: AppContext, user: SessionUser) {
  const row = await findOpenSubscription(app, user.id);
  if (!row || !(ENTITLED_STATUSES as readonly string[]).includes(row.status)) throw new AppError("not_found", "There is no subscription to resume. Choose a plan on the pricing page.");
  if (!row.cancelAtPeriodEnd) throw new AppError("conflict", "Your subscription is not set to cancel.");
  if (row.currentPeriodEnd <= now()) throw new AppError("conflict", "This subscription has already ended. Subscribe again on the pricing page.");
  try {
    const updated = await createStripe(app).subscriptions.update(row.stripeSubscriptionId, { cancel_at_period_end: false }, { idempotencyKey: `sub-resume-${row.id}-${now()}` });
    const synced = (await syncSubscription(app, updated.id, { source: "user", actorId: user.id }, updated)) ?? row;
    app.logger.info("subscription.resumed", { userId: user.id, subscriptionId: row.id });
    return subscriptionView(await getEntitlement(app, user.id), synced);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw mapStripeError(app, error);
  }
}

import { and, eq, isNull, sql } from "drizzle-orm";
import type Stripe from "stripe";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { createStripe, mapStripeError, outcomeUnknown } from "~/modules/payments/stripe.server";
import { MINUTE, now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { subscriptions } from "~drizzle/schema";
import { subscriptionView, type SubscriptionView } from "./lifecycle.server";
import { resolvePrice } from "./pricing.server";
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
import { BILLING_INTERVALS, PAID_TIERS, planLabel, TIERS, type BillingInterval, type PaidTier } from "./tiers";


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
  /**
   * The subscription is set to end at period end and this change, applied now, undoes that: it
   * renews again (Stripe's update clears `cancel_at_period_end`). Said before confirming.
   */
  resumesRenewal: boolean;
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
  // In words, as on an invoice ("after December 7, 2026"), not an ISO date; Stripe's periods are UTC.
  const day = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(new Date(prorationDate * 1000));
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
  const base = { kind, from: { tier: row.tier, interval: row.interval }, to: { tier, interval }, currency: sub.currency, prorationDate, resumesRenewal: false };
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
      resumesRenewal: sub.cancel_at_period_end,
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

/** A plan change as recorded before it is sent: the preview the user confirmed, under a fresh id. */
type ChangeRequest = { id: string; preview: ChangePreview };

const sameChange = (request: ChangeRequest, data: z.infer<typeof changeSchema>) =>
  request.preview.to.tier === data.tier && request.preview.to.interval === data.interval && (data.prorationDate === undefined || data.prorationDate === request.preview.prorationDate);

/**
 * PUT /api/subscriptions/update. Upgrades (and interval switches) apply now and charge the
 * prorated difference at once (`always_invoice`), computed at `prorationDate` so the charge equals
 * the preview. Downgrades keep the current tier until the period ends; Stripe bills the new price
 * from the next renewal. Choosing the current plan again drops a scheduled downgrade.
 *
 * The confirmed change is written on the subscription row before Stripe is called (one at a time).
 * If Stripe's answer is lost, the row keeps it: the next request re-sends exactly that change
 * (same `proration_date`, same idempotency key) and answers with its outcome when it asks for the
 * same change, so a retry charges the prorated difference once.
 */
export async function changeSubscription(app: AppContext, user: SessionUser, input: unknown): Promise<ChangeResult> {
  const data = parseOrThrow(changeSchema, input);
  let row = await loadChangeable(app, user.id);
  const stripe = createStripe(app);
  if (row.changeRequest && !data.preview) {
    const open = row.changeRequest as ChangeRequest;
    const result = await sendChange(app, stripe, user, row, open);
    if (sameChange(open, data)) return result;
    row = await loadChangeable(app, user.id);
  }
  if (row.status === "trialing") {
    // The emulator (like Stripe without trial-aware proration settings) would bill a change now.
    throw new AppError("conflict", "Plan changes open once your free trial ends.");
  }
  classify(row, data.tier, data.interval); // "already on this plan" before a stale preview is blamed
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
  let preview: ChangePreview;
  try {
    preview = (await buildPreview(app, stripe, row, sub, data.tier, data.interval, prorationDate)).preview;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw mapStripeError(app, error);
  }
  if (data.preview) return { preview, applied: false, charged: null, subscription: subscriptionView({ tier: row.tier, subscription: row }) };
  if (prorationDate * 1000 < sub.items.data[0]!.current_period_start * 1000) {
    throw new AppError("unprocessable", "This price preview has expired. Preview the change again.");
  }
  const request: ChangeRequest = { id: createId("subscriptionChange"), preview };
  const claimed = await app.db
    .update(subscriptions)
    .set({ changeRequest: request, updatedAt: now() })
    .where(and(eq(subscriptions.id, row.id), isNull(subscriptions.changeRequest)))
    .returning()
    .get();
  if (!claimed) {
    // Another request is making a change right now: the same change goes on with its request.
    const current = await findOpenSubscription(app, user.id);
    const other = current?.changeRequest as ChangeRequest | null | undefined;
    if (current && other && sameChange(other, data)) return sendChange(app, stripe, user, current, other, sub);
    throw new AppError("conflict", "Another change to your plan is being made right now. Reload the page to see it.");
  }
  return sendChange(app, stripe, user, claimed, request, sub);
}

/**
 * Sends a recorded plan change to Stripe — the first time or again. Everything in the request comes
 * from the record (target plan, `proration_date`, effective now or at period end) and its key from
 * the subscription and that change, so Stripe applies it at most once. Stripe's answer clears the
 * record; an unknown outcome keeps it for the next retry.
 */
async function sendChange(app: AppContext, stripe: Stripe, user: SessionUser, row: SubscriptionRow, request: ChangeRequest, known?: Stripe.Subscription): Promise<ChangeResult> {
  const { preview } = request;
  const { tier, interval } = preview.to;
  const log = app.logger.child({ userId: user.id, subscriptionId: row.id, changeId: request.id });
  const ctx: SyncContext = { source: "user", actorId: user.id };
  const idem = `sub-change-${row.id}-${tier}-${interval}-${preview.prorationDate}`;
  const clear = () =>
    app.db
      .update(subscriptions)
      .set({ changeRequest: null })
      .where(and(eq(subscriptions.id, row.id), sql`json_extract(${subscriptions.changeRequest}, '$.id') = ${request.id}`))
      .run();
  try {
    const sub = known ?? (await stripe.subscriptions.retrieve(row.stripeSubscriptionId));
    const price = await resolvePrice(app, stripe, tier, interval);
    const item = sub.items.data[0]!;
    let updated: Stripe.Subscription;
    if (preview.effective === "period_end") {
      const pending = preview.kind === "downgrade" ? { pendingTier: tier, pendingInterval: interval } : { pendingTier: null, pendingInterval: null };
      // Recorded first, so the webhook for this update already knows the old tier stays until period end.
      await app.db.update(subscriptions).set({ ...pending, updatedAt: now() }).where(eq(subscriptions.id, row.id)).run();
      updated = await stripe.subscriptions.update(
        row.stripeSubscriptionId,
        { items: [{ id: item.id, price: price.id }], proration_behavior: "none", metadata: { tier, interval } },
        { idempotencyKey: idem },
      );
    } else {
      updated = await stripe.subscriptions.update(
        row.stripeSubscriptionId,
        {
          items: [{ id: item.id, price: price.id }],
          proration_behavior: "always_invoice",
          proration_date: preview.prorationDate,
          payment_behavior: "error_if_incomplete",
          cancel_at_period_end: false,
          metadata: { tier, interval },
        },
        { idempotencyKey: idem },
      );
    }
    const synced = (await syncSubscription(app, updated.id, ctx, updated)) ?? row;
    if (preview.kind === "downgrade") {
      await recordChange(app, row, ctx, {
        kind: "downgrade_scheduled",
        dedupeKey: `downgrade_scheduled:${tier}:${interval}:${row.currentPeriodEnd}`,
        before: { tier: preview.from.tier, interval: preview.from.interval, status: row.status },
        after: { tier, interval, status: synced.status },
      });
    }
    let charged: ChangeResult["charged"] = null;
    if (preview.effective === "immediate") {
      const invoiceId = typeof updated.latest_invoice === "string" ? updated.latest_invoice : (updated.latest_invoice?.id ?? null);
      const invoice = invoiceId ? await retrieveInvoice(app, invoiceId) : null;
      if (invoice) await recordPaidInvoice(app, synced, invoice);
      charged = { amount: invoice?.amount_paid ?? 0, currency: preview.currency, invoiceId };
      if (charged.amount !== preview.amountDue) log.error("subscription.preview_mismatch", { previewed: preview.amountDue, charged: charged.amount, invoiceId });
    }
    await clear();
    const after = (await findOpenSubscription(app, user.id)) ?? synced;
    log.info("subscription.changed", { kind: preview.kind, tier, interval, amount: charged?.amount ?? 0 });
    return { preview, applied: true, charged, subscription: subscriptionView({ tier: after.tier, subscription: after }) };
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (outcomeUnknown(error)) {
      // Stripe may have applied it: the record stays, so the next request re-sends this change.
      log.warn("subscription.change_outcome_unknown", { kind: preview.kind, tier, interval });
      throw mapStripeError(app, error);
    }
    // A definite refusal (a declined proration charge): mirror whatever Stripe now has, then report it.
    await clear();
    await syncSubscription(app, row.stripeSubscriptionId, ctx).catch(() => null);
    throw mapStripeError(app, error);
  }
}

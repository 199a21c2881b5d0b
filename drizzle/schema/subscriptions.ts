import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { epochMs, flag } from "./columns";
import { BILLING_INTERVALS, PAID_TIERS, SUBSCRIPTION_CHANGE_KINDS, SUBSCRIPTION_STATUSES, SUBSCRIPTION_TIERS } from "./enums";

/**
 * One row per Stripe subscription (a user who cancels and subscribes again has two rows). The
 * user's tier is the tier of their newest row in an entitled status (active, trialing, past_due
 * during the dunning grace period); anyone else is on free. See docs/subscriptions.md.
 */
export const subscriptions = sqliteTable(
  "subscriptions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    /** The tier the user is entitled to now (a scheduled downgrade keeps the old tier until period end). */
    tier: text("tier", { enum: PAID_TIERS }).notNull(),
    interval: text("interval", { enum: BILLING_INTERVALS }).notNull(),
    status: text("status", { enum: SUBSCRIPTION_STATUSES }).notNull(),
    /** Amount of one period at the current Stripe price, integer minor units. */
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    currentPeriodStart: epochMs("current_period_start").notNull(),
    /** The renewal date. */
    currentPeriodEnd: epochMs("current_period_end").notNull(),
    cancelAtPeriodEnd: flag("cancel_at_period_end").notNull().default(false),
    canceledAt: epochMs("canceled_at"),
    endedAt: epochMs("ended_at"),
    /** A downgrade that takes effect at currentPeriodEnd (Stripe already bills the new price from then). */
    pendingTier: text("pending_tier", { enum: SUBSCRIPTION_TIERS }),
    pendingInterval: text("pending_interval", { enum: BILLING_INTERVALS }),
    stripeSubscriptionId: text("stripe_subscription_id").notNull(),
    stripeCustomerId: text("stripe_customer_id").notNull(),
    stripePriceId: text("stripe_price_id").notNull(),
    latestInvoiceId: text("latest_invoice_id"),
    /** Dunning: the unpaid renewal invoice, when it first failed, attempts made, next retry (ours). */
    dunningInvoiceId: text("dunning_invoice_id"),
    pastDueSince: epochMs("past_due_since"),
    paymentAttempts: integer("payment_attempts").notNull().default(0),
    nextPaymentAttemptAt: epochMs("next_payment_attempt_at"),
    lastPaymentError: text("last_payment_error"),
    /** Free trial (Stripe's trial_start / trial_end); null without one. See app/modules/subscriptions/trials.ts. */
    trialStart: epochMs("trial_start"),
    trialEnd: epochMs("trial_end"),
    /** What Stripe does when the trial ends without a card: cancel, pause or create_invoice. */
    trialEndBehavior: text("trial_end_behavior", { enum: ["cancel", "pause", "create_invoice"] }),
    /** A card is on file for the subscription (its default payment method). */
    hasPaymentMethod: flag("has_payment_method").notNull().default(false),
    /** Set while a dispute of one of its invoices is open or was lost: the subscription then gives no paid tier. */
    disputeId: text("dispute_id"),
    /**
     * A plan change sent to Stripe whose answer is not recorded yet, with the preview the user
     * confirmed (JSON, written before the call; one at a time: only set when null). A retry re-sends
     * exactly that request under the same idempotency key; cleared once Stripe has answered.
     */
    changeRequest: text("change_request", { mode: "json" }).$type<{ id: string; preview: Record<string, unknown> & { prorationDate: number } }>(),
    /** Our clock when the Stripe state written here was read; older reads never overwrite newer ones. */
    syncedAt: epochMs("synced_at").notNull(),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("subscriptions_stripe_unique").on(t.stripeSubscriptionId),
    index("subscriptions_user_idx").on(t.userId, t.id),
    index("subscriptions_status_period_idx").on(t.status, t.currentPeriodEnd),
  ],
);

/**
 * Append-only history of a subscription: what changed, from what to what, who or what caused it.
 * `dedupeKey` makes each change recorded once however often a webhook or cron run repeats it.
 */
export const subscriptionChanges = sqliteTable(
  "subscription_changes",
  {
    id: text("id").primaryKey(),
    subscriptionId: text("subscription_id")
      .notNull()
      .references(() => subscriptions.id),
    userId: text("user_id").notNull(),
    kind: text("kind", { enum: SUBSCRIPTION_CHANGE_KINDS }).notNull(),
    fromTier: text("from_tier", { enum: SUBSCRIPTION_TIERS }),
    toTier: text("to_tier", { enum: SUBSCRIPTION_TIERS }),
    fromStatus: text("from_status", { enum: SUBSCRIPTION_STATUSES }),
    toStatus: text("to_status", { enum: SUBSCRIPTION_STATUSES }),
    fromInterval: text("from_interval", { enum: BILLING_INTERVALS }),
    toInterval: text("to_interval", { enum: BILLING_INTERVALS }),
    /** Money moved by this change (e.g. the prorated charge), integer minor units. */
    amount: integer("amount"),
    currency: text("currency"),
    /** "user" | "admin" | "webhook" | "cron" */
    source: text("source").notNull(),
    actorId: text("actor_id"),
    stripeInvoiceId: text("stripe_invoice_id"),
    dedupeKey: text("dedupe_key").notNull(),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [uniqueIndex("subscription_changes_dedupe_unique").on(t.subscriptionId, t.dedupeKey), index("subscription_changes_sub_idx").on(t.subscriptionId, t.id)],
);

/**
 * A subscription being started, written before any Stripe call. At most one is open per user (the
 * partial unique index), so parallel "subscribe" clicks share one Checkout session or are refused,
 * and every Stripe idempotency key of the start derives from this row's id.
 */
export const subscriptionStarts = sqliteTable(
  "subscription_starts",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tier: text("tier", { enum: PAID_TIERS }).notNull(),
    interval: text("interval", { enum: BILLING_INTERVALS }).notNull(),
    flow: text("flow", { enum: ["checkout", "payment_method", "no_card"] }).notNull(),
    /** Starts with the plan's free trial (trials.ts); `no_card` starts are always trials. */
    trial: flag("trial").notNull().default(false),
    status: text("status", { enum: ["open", "completed", "canceled"] }).notNull(),
    stripeCheckoutSessionId: text("stripe_checkout_session_id"),
    checkoutUrl: text("checkout_url"),
    /** What the first request asked for, kept so a retry re-sends the identical Stripe request. */
    successPath: text("success_path"),
    cancelPath: text("cancel_path"),
    stripePaymentMethodId: text("stripe_payment_method_id"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("subscription_starts_open_unique").on(t.userId).where(sql`status = 'open'`),
    index("subscription_starts_session_idx").on(t.stripeCheckoutSessionId),
  ],
);

/**
 * One free trial per person: a row is claimed (inserted) before the trial's Stripe call, and the
 * unique indexes make a second claim by the same account, or with the same card (Stripe's card
 * fingerprint), fail in the insert itself, so two trial starts at once give one trial. A claim
 * whose Stripe call was refused outright is deleted again; every other claim is kept for good.
 */
export const trialClaims = sqliteTable(
  "trial_claims",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Stripe's `card.fingerprint` of the card the trial started with; null for a trial without a card. */
    cardFingerprint: text("card_fingerprint"),
    subscriptionStartId: text("subscription_start_id").notNull(),
    tier: text("tier", { enum: PAID_TIERS }).notNull(),
    trialDays: integer("trial_days").notNull(),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("trial_claims_user_unique").on(t.userId),
    uniqueIndex("trial_claims_card_unique").on(t.cardFingerprint).where(sql`card_fingerprint IS NOT NULL`),
  ],
);

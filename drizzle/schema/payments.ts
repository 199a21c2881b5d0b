import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { epochMs } from "./columns";
import { DISPUTE_EFFECT_STAGES, DISPUTE_STATUSES, PAYMENT_STATUSES, REFUND_STATUSES, STRIPE_EVENT_STATUSES } from "./enums";

/** One Stripe customer per user, created once. */
export const stripeCustomers = sqliteTable("stripe_customers", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  stripeCustomerId: text("stripe_customer_id").notNull().unique(),
  createdAt: epochMs("created_at").notNull(),
});

/** Our record of a payment, written before any Stripe call. Amounts are integer minor units. */
export const payments = sqliteTable(
  "payments",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    purpose: text("purpose").notNull(),
    purposeRef: text("purpose_ref").notNull(),
    description: text("description").notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: PAYMENT_STATUSES }).notNull(),
    amountRefunded: integer("amount_refunded").notNull().default(0),
    /** Sum of refunds requested but not yet confirmed by Stripe; reserved against over-refunds. */
    amountRefundPending: integer("amount_refund_pending").notNull().default(0),
    flow: text("flow", { enum: ["checkout", "payment_method"] }).notNull(),
    stripeCustomerId: text("stripe_customer_id"),
    stripePaymentIntentId: text("stripe_payment_intent_id"),
    stripeCheckoutSessionId: text("stripe_checkout_session_id"),
    stripeChargeId: text("stripe_charge_id"),
    /** The card of a `payment_method` payment, kept so a retry re-sends the identical PaymentIntent request. */
    stripePaymentMethodId: text("stripe_payment_method_id"),
    checkoutUrl: text("checkout_url"),
    /** Same-site paths Checkout returns to; kept so a retry re-sends the identical Stripe request. */
    successPath: text("success_path"),
    cancelPath: text("cancel_path"),
    failureCode: text("failure_code"),
    failureMessage: text("failure_message"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    /** When our purpose fulfilment ran (idempotency guard for redelivered events). */
    fulfilledAt: epochMs("fulfilled_at"),
    succeededAt: epochMs("succeeded_at"),
    /** `created` of the newest Stripe object/event applied, so stale events never win. */
    stripeUpdatedAt: epochMs("stripe_updated_at"),
    /**
     * Tax (docs/tax.md), recorded once from the completed Checkout Session (`tax_recorded_at`):
     * `amount` includes it (added on top for exclusive prices, inside for inclusive ones).
     */
    taxAmount: integer("tax_amount").notNull().default(0),
    taxBehavior: text("tax_behavior", { enum: ["inclusive", "exclusive"] }),
    /** Thousandths of a percent: 19 % → 19000, 8.875 % → 8875. */
    taxRateMilli: integer("tax_rate_milli"),
    taxCountry: text("tax_country"),
    taxState: text("tax_state"),
    /** Stripe's jurisdiction name ("Germany", "New York", "Canada (Ontario)"). */
    taxJurisdiction: text("tax_jurisdiction"),
    /** vat, gst, hst, sales_tax. */
    taxType: text("tax_type"),
    /** Stripe's taxability reason (standard_rated, reverse_charge, not_collecting …). */
    taxReason: text("tax_reason"),
    taxReverseCharge: integer("tax_reverse_charge", { mode: "boolean" }).notNull().default(false),
    buyerTaxIdType: text("buyer_tax_id_type"),
    buyerTaxId: text("buyer_tax_id"),
    buyerBusinessName: text("buyer_business_name"),
    buyerAddress: text("buyer_address", { mode: "json" }).$type<Record<string, string | null>>(),
    taxRecordedAt: epochMs("tax_recorded_at"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [
    index("payments_tax_idx").on(t.taxRecordedAt),
    index("payments_user_created_idx").on(t.userId, t.id),
    index("payments_status_idx").on(t.status, t.id),
    /** Revenue rollups recompute a day from the payments that succeeded in it (app/modules/analytics). */
    index("payments_succeeded_idx").on(t.succeededAt),
    uniqueIndex("payments_pi_unique").on(t.stripePaymentIntentId),
    uniqueIndex("payments_cs_unique").on(t.stripeCheckoutSessionId),
    /** At most one open payment per buyer, purpose and reference: a second click reuses it. */
    uniqueIndex("payments_open_unique")
      .on(t.userId, t.purpose, t.purposeRef)
      .where(sql`status in ('requires_action', 'processing')`),
  ],
);

export const refunds = sqliteTable(
  "refunds",
  {
    id: text("id").primaryKey(),
    paymentId: text("payment_id")
      .notNull()
      .references(() => payments.id),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    reason: text("reason").notNull(),
    status: text("status", { enum: REFUND_STATUSES }).notNull(),
    stripeRefundId: text("stripe_refund_id").unique(),
    requestedBy: text("requested_by").references(() => users.id),
    failureMessage: text("failure_message"),
    /** The tax inside this refund: the payment's tax in proportion (cumulative, floored; the last refund takes the rest). */
    taxAmount: integer("tax_amount").notNull().default(0),
    /** When the purpose's reversal ran for this refund. */
    reversedAt: epochMs("reversed_at"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [index("refunds_payment_idx").on(t.paymentId), index("refunds_status_idx").on(t.status, t.createdAt)],
);

/**
 * A dispute (chargeback or inquiry) of one of our payments, mirrored from Stripe by the
 * `charge.dispute.*` events (always re-read from Stripe). `effects` records which of the policy's
 * effects have run (app/modules/payments/disputes.server.ts); `effects_claimed_until` serializes
 * the runs that apply them, so a stale or duplicated event never applies an older stage.
 */
export const disputes = sqliteTable(
  "disputes",
  {
    id: text("id").primaryKey(),
    stripeDisputeId: text("stripe_dispute_id").notNull(),
    paymentId: text("payment_id")
      .notNull()
      .references(() => payments.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    stripeChargeId: text("stripe_charge_id").notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    /** Stripe's reason (fraudulent, product_not_received, …). */
    reason: text("reason").notNull(),
    status: text("status", { enum: DISPUTE_STATUSES }).notNull(),
    /** `evidence_details.due_by`; null once Stripe no longer expects a response. */
    evidenceDueBy: epochMs("evidence_due_by"),
    submissionCount: integer("submission_count").notNull().default(0),
    /** Stripe's dispute fees (sum of the balance transactions' fees), a platform cost unless the policy says otherwise. */
    feeAmount: integer("fee_amount").notNull().default(0),
    effects: text("effects", { enum: DISPUTE_EFFECT_STAGES }).notNull().default("none"),
    effectsClaimedUntil: epochMs("effects_claimed_until"),
    evidenceSubmittedAt: epochMs("evidence_submitted_at"),
    evidenceSubmittedBy: text("evidence_submitted_by").references(() => users.id),
    /** When admins got the "3 days left" reminder (the cron sends it once). */
    reminderSentAt: epochMs("reminder_sent_at"),
    closedAt: epochMs("closed_at"),
    /** Stripe's `created` × 1000. */
    stripeCreatedAt: epochMs("stripe_created_at").notNull(),
    /** Our clock when the Stripe state written here was read. */
    syncedAt: epochMs("synced_at").notNull(),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("disputes_stripe_unique").on(t.stripeDisputeId),
    index("disputes_payment_idx").on(t.paymentId),
    index("disputes_created_idx").on(t.stripeCreatedAt),
    index("disputes_status_due_idx").on(t.status, t.evidenceDueBy),
  ],
);

/** Every verified Stripe event, stored once by its id; the queue consumer works from here. */
export const stripeEvents = sqliteTable(
  "stripe_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    /** Stripe's `created` (seconds) × 1000. */
    stripeCreatedAt: epochMs("stripe_created_at").notNull(),
    status: text("status", { enum: STRIPE_EVENT_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    receivedAt: epochMs("received_at").notNull(),
    processedAt: epochMs("processed_at"),
    /** Set while a consumer run handles the event; another delivery waits until it passes. */
    claimedUntil: epochMs("claimed_until"),
  },
  (t) => [index("stripe_events_status_idx").on(t.status, t.receivedAt)],
);

/** `Idempotency-Key` records for POST APIs that create or move money. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    userId: text("user_id").notNull(),
    key: text("key").notNull(),
    scope: text("scope").notNull(),
    requestHash: text("request_hash").notNull(),
    /** null while the first request is still running. */
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.scope, t.key] })],
);

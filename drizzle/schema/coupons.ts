import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { epochMs, flag } from "./columns";
import { COUPON_KINDS, COUPON_REDEMPTION_STATUSES, COUPON_SCOPES } from "./enums";

/**
 * A coupon with its customer-facing promotion code (docs/marketplace.md, "Coupons"). The code is
 * stored upper-cased (codes are case-insensitive) and unique. The limits are checked inside the
 * INSERT of a redemption (app/modules/marketplace/coupons.server.ts), never read then written.
 */
export const coupons = sqliteTable(
  "coupons",
  {
    id: text("id").primaryKey(),
    /** Upper-case code, `SPRING25`. */
    code: text("code").notNull(),
    kind: text("kind", { enum: COUPON_KINDS }).notNull(),
    /** Percent off in basis points (2500 = 25 %), for `percent`. */
    percentBps: integer("percent_bps"),
    /** Minor units off, for `amount`, in `currency`. */
    amountOff: integer("amount_off"),
    /** The currency of `amountOff` and `minAmount`; null: a percent coupon for any currency. */
    currency: text("currency"),
    scope: text("scope", { enum: COUPON_SCOPES }).notNull(),
    /** The course id (`course`), the instructor's user id (`instructor`), null (`catalog`). */
    scopeRef: text("scope_ref"),
    /** Total redemptions allowed (reserved + redeemed); null: no cap. */
    maxRedemptions: integer("max_redemptions"),
    /** Last moment the code can be used; null: no expiry. */
    expiresAt: epochMs("expires_at"),
    oncePerCustomer: flag("once_per_customer").notNull().default(false),
    firstPurchaseOnly: flag("first_purchase_only").notNull().default(false),
    /** Smallest price (after the tier discount, in `currency`) the code applies to; null: none. */
    minAmount: integer("min_amount"),
    active: flag("active").notNull().default(true),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: epochMs("created_at").notNull(),
    deactivatedAt: epochMs("deactivated_at"),
  },
  (t) => [
    uniqueIndex("coupons_code_unique").on(t.code),
    index("coupons_scope_idx").on(t.scope, t.scopeRef, t.active),
    index("coupons_created_by_idx").on(t.createdBy, t.createdAt),
  ],
);

/**
 * One use of a coupon by one payment: reserved when the payment is written, redeemed when it is
 * paid, released when it fails or its Checkout expires (the cap counts reserved + redeemed).
 */
export const couponRedemptions = sqliteTable(
  "coupon_redemptions",
  {
    id: text("id").primaryKey(),
    couponId: text("coupon_id")
      .notNull()
      .references(() => coupons.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    /** Our payment id (not a foreign key: the reservation is written just before the payment). */
    paymentId: text("payment_id").notNull(),
    /** What the payment is for (a course id): a second click on the same purchase is not a second use. */
    purposeRef: text("purpose_ref").notNull(),
    status: text("status", { enum: COUPON_REDEMPTION_STATUSES }).notNull(),
    /** Minor units the code took off, and the price it left (before reward tokens). */
    discountAmount: integer("discount_amount").notNull(),
    paidAmount: integer("paid_amount").notNull(),
    currency: text("currency").notNull(),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("coupon_redemptions_payment_unique").on(t.paymentId),
    index("coupon_redemptions_coupon_status_idx").on(t.couponId, t.status),
    index("coupon_redemptions_coupon_user_idx").on(t.couponId, t.userId, t.status),
    index("coupon_redemptions_live_idx").on(t.couponId).where(sql`status in ('reserved', 'redeemed')`),
  ],
);

import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { epochMs } from "./columns";
import { BUNDLE_ITEM_OUTCOMES, BUNDLE_REFUND_PART_KINDS, BUNDLE_STATUSES } from "./enums";
import { courses } from "./marketplace";

/**
 * A bundle of courses sold at one price (docs/marketplace.md "Bundles", decision 014). Its owner is
 * the instructor of every course in it (an admin may bundle across instructors). The price is in
 * integer minor units of `currency`, which every course in it shares.
 */
export const bundles = sqliteTable(
  "bundles",
  {
    id: text("id").primaryKey(),
    slug: text("slug").notNull(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    title: text("title").notNull(),
    description: text("description").notNull(),
    /** The uploaded cover in R2 (`covers/<bundleId>/<random>.<ext>`); null: a generated cover. */
    coverKey: text("cover_key"),
    priceAmount: integer("price_amount").notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: BUNDLE_STATUSES }).notNull().default("draft"),
    publishedAt: epochMs("published_at"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("bundles_slug_unique").on(t.slug),
    index("bundles_status_published_idx").on(t.status, t.publishedAt, t.id),
    index("bundles_owner_idx").on(t.ownerId, t.updatedAt),
  ],
);

/** The courses of a bundle, in order (one position per course, one course once). */
export const bundleCourses = sqliteTable(
  "bundle_courses",
  {
    bundleId: text("bundle_id")
      .notNull()
      .references(() => bundles.id, { onDelete: "cascade" }),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id),
    position: integer("position").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.bundleId, t.courseId] }),
    uniqueIndex("bundle_courses_position_unique").on(t.bundleId, t.position),
    index("bundle_courses_course_idx").on(t.courseId),
  ],
);

/**
 * What one bundle payment paid for one course: its share of what was paid (largest remainder by
 * list price, so the shares add up to the payment), and whether the payment granted the enrollment
 * or found it granted by another payment (an overlap, refunded automatically). Written once at
 * fulfilment (primary key), never updated: refunds are `bundle_refund_parts`.
 */
export const bundlePurchaseItems = sqliteTable(
  "bundle_purchase_items",
  {
    paymentId: text("payment_id").notNull(),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id),
    bundleId: text("bundle_id")
      .notNull()
      .references(() => bundles.id),
    instructorId: text("instructor_id").notNull(),
    listPrice: integer("list_price").notNull(),
    share: integer("share").notNull(),
    currency: text("currency").notNull(),
    outcome: text("outcome", { enum: BUNDLE_ITEM_OUTCOMES }).notNull(),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.paymentId, t.courseId] }), index("bundle_purchase_items_bundle_idx").on(t.bundleId)],
);

/**
 * How much of one refund of a bundle payment belongs to each course (largest remainder over what is
 * left of each granted course's share; an overlap's refund is exactly that course's share). One row
 * per refund and course; at most one overlap refund per payment and course (partial unique index),
 * so a redelivered fulfilment never refunds an overlap twice.
 */
export const bundleRefundParts = sqliteTable(
  "bundle_refund_parts",
  {
    refundId: text("refund_id").notNull(),
    paymentId: text("payment_id").notNull(),
    courseId: text("course_id").notNull(),
    kind: text("kind", { enum: BUNDLE_REFUND_PART_KINDS }).notNull(),
    amount: integer("amount").notNull(),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.refundId, t.courseId] }),
    index("bundle_refund_parts_payment_idx").on(t.paymentId),
    uniqueIndex("bundle_refund_parts_overlap_unique").on(t.paymentId, t.courseId).where(sql`kind = 'overlap'`),
  ],
);

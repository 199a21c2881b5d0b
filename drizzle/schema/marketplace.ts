import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { payments } from "./payments";
import { epochMs, flag } from "./columns";
import {
  COURSE_CATEGORIES,
  COURSE_LANGUAGES,
  COURSE_LEVELS,
  COURSE_STATUSES,
  EARNING_KINDS,
  ENROLLMENT_SOURCES,
  ENROLLMENT_STATUSES,
  PAYOUT_STATUSES,
  REFUND_REFUSALS,
  REFUND_REQUEST_STATUSES,
} from "./enums";

/**
 * A course. Listing columns (status + sort key + id) are indexed so that every catalog query is an
 * index range scan (tests/marketplace/explain.test.ts). Text search goes through the FTS5 table
 * `courses_fts` (custom migration), kept in step by the marketplace service.
 */
export const courses = sqliteTable(
  "courses",
  {
    id: text("id").primaryKey(),
    slug: text("slug").notNull(),
    instructorId: text("instructor_id")
      .notNull()
      .references(() => users.id),
    title: text("title").notNull(),
    description: text("description").notNull(),
    category: text("category", { enum: COURSE_CATEGORIES }).notNull(),
    level: text("level", { enum: COURSE_LEVELS }).notNull(),
    language: text("language", { enum: COURSE_LANGUAGES }).notNull(),
    /** Integer minor units; 0 = free. */
    priceAmount: integer("price_amount").notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: COURSE_STATUSES }).notNull().default("draft"),
    ratingCount: integer("rating_count").notNull().default(0),
    ratingSum: integer("rating_sum").notNull().default(0),
    /** Average rating in hundredths (0..500), recomputed with every review write; sortable. */
    ratingAvg: integer("rating_avg").notNull().default(0),
    /** Active enrollments, recounted on every enrollment change (popularity sort). */
    enrollmentCount: integer("enrollment_count").notNull().default(0),
    publishedAt: epochMs("published_at"),
    /** The admin who archived the course (moderation); while set, only an admin can change its status. */
    archivedBy: text("archived_by"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
    /** The course's rowid in `courses_fts` (max + 1 at insert), so text matches join on an index. */
    searchId: integer("search_id"),
    /** The uploaded cover image in R2 (`covers/<courseId>/<random>.<ext>`); null: a generated cover. */
    coverKey: text("cover_key"),
    /**
     * A time-boxed sale (marketplace/sales.ts): the price while `saleStartsAt <= now < saleEndsAt`,
     * below `priceAmount`. All three are set together or all null (the service writes them in one UPDATE).
     */
    salePriceAmount: integer("sale_price_amount"),
    saleStartsAt: epochMs("sale_starts_at"),
    saleEndsAt: epochMs("sale_ends_at"),
  },
  (t) => [
    uniqueIndex("courses_slug_unique").on(t.slug),
    uniqueIndex("courses_search_id_unique").on(t.searchId),
    index("courses_status_popular_idx").on(t.status, t.enrollmentCount, t.id),
    index("courses_status_newest_idx").on(t.status, t.publishedAt, t.id),
    index("courses_status_rating_idx").on(t.status, t.ratingAvg, t.id),
    index("courses_status_price_idx").on(t.status, t.priceAmount, t.id),
    index("courses_status_category_popular_idx").on(t.status, t.category, t.enrollmentCount, t.id),
    index("courses_instructor_status_idx").on(t.instructorId, t.status, t.publishedAt),
  ],
);

/** A module of a course, in order; its content file lives in R2 under `r2Key`. */
export const courseModules = sqliteTable(
  "course_modules",
  {
    id: text("id").primaryKey(),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    title: text("title").notNull(),
    r2Key: text("r2_key"),
    fileName: text("file_name"),
    contentType: text("content_type"),
    sizeBytes: integer("size_bytes"),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [index("course_modules_course_position_idx").on(t.courseId, t.position)],
);

/** Access to a course. One row per (course, learner); a refund revokes it, a new purchase re-activates it. */
export const enrollments = sqliteTable(
  "enrollments",
  {
    id: text("id").primaryKey(),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    status: text("status", { enum: ENROLLMENT_STATUSES }).notNull(),
    source: text("source", { enum: ENROLLMENT_SOURCES }).notNull(),
    /**
     * The payment that granted access (null for free courses); unique per course, so fulfilment is
     * idempotent (a bundle payment grants one enrollment in each of its courses).
     */
    paymentId: text("payment_id"),
    amountPaid: integer("amount_paid").notNull().default(0),
    currency: text("currency").notNull(),
    completedAt: epochMs("completed_at"),
    revokedAt: epochMs("revoked_at"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("enrollments_course_user_unique").on(t.courseId, t.userId),
    uniqueIndex("enrollments_payment_course_unique").on(t.paymentId, t.courseId),
    index("enrollments_user_idx").on(t.userId, t.createdAt),
    index("enrollments_course_status_idx").on(t.courseId, t.status),
  ],
);

/** A learner's completed modules. */
export const moduleProgress = sqliteTable(
  "module_progress",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    moduleId: text("module_id")
      .notNull()
      .references(() => courseModules.id, { onDelete: "cascade" }),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    completedAt: epochMs("completed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.moduleId] }), index("module_progress_user_course_idx").on(t.userId, t.courseId)],
);

export const LEARNING_EVENT_TYPES = ["course_completed"] as const;

/**
 * Learning events other capabilities consume (reward tokens read `course_completed`). Written once
 * per (user, course, type); `id` is time-sortable so consumers can page through new events.
 */
export const learningEvents = sqliteTable(
  "learning_events",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id),
    type: text("type", { enum: LEARNING_EVENT_TYPES }).notNull(),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [uniqueIndex("learning_events_once_unique").on(t.userId, t.courseId, t.type), index("learning_events_type_id_idx").on(t.type, t.id)],
);

/** One review per (course, learner), editable. */
export const reviews = sqliteTable(
  "reviews",
  {
    id: text("id").primaryKey(),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    rating: integer("rating").notNull(),
    body: text("body").notNull(),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [uniqueIndex("reviews_course_user_unique").on(t.courseId, t.userId), index("reviews_course_id_idx").on(t.courseId, t.id)],
);

/**
 * The instructor earnings ledger. Entries are immutable except for `payout_id`, set once when a
 * payout claims them. A sale records the 70/30 split of the amount paid; a refund inside the hold
 * adds a negative `reversal` entry pointing at the sale. `idempotency_key` is `sale:<paymentId>` or
 * `reversal:<refundId>`, so redelivered fulfilments and reversals write nothing twice.
 */
export const instructorEarnings = sqliteTable(
  "instructor_earnings",
  {
    id: text("id").primaryKey(),
    idempotencyKey: text("idempotency_key").notNull(),
    kind: text("kind", { enum: EARNING_KINDS }).notNull(),
    instructorId: text("instructor_id")
      .notNull()
      .references(() => users.id),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id),
    paymentId: text("payment_id").notNull(),
    refundId: text("refund_id"),
    reversesId: text("reverses_id"),
    /** Amount paid (sale) or refunded (reversal, negative), integer minor units. */
    grossAmount: integer("gross_amount").notNull(),
    instructorAmount: integer("instructor_amount").notNull(),
    platformAmount: integer("platform_amount").notNull(),
    currency: text("currency").notNull(),
    /** End of the refund hold: the entry becomes available for payout at this time. */
    availableAt: epochMs("available_at").notNull(),
    payoutId: text("payout_id"),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("instructor_earnings_key_unique").on(t.idempotencyKey),
    index("instructor_earnings_instructor_idx").on(t.instructorId, t.availableAt),
    index("instructor_earnings_payment_idx").on(t.paymentId),
    index("instructor_earnings_payout_available_idx").on(t.payoutId, t.availableAt),
  ],
);

/** An instructor's Stripe Connect (express) account. */
export const instructorAccounts = sqliteTable("instructor_accounts", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  stripeAccountId: text("stripe_account_id").notNull().unique(),
  payoutsEnabled: flag("payouts_enabled").notNull().default(false),
  createdAt: epochMs("created_at").notNull(),
  updatedAt: epochMs("updated_at").notNull(),
});

/** A transfer of available earnings to an instructor; its id is the Stripe idempotency key. */
export const payouts = sqliteTable(
  "payouts",
  {
    id: text("id").primaryKey(),
    instructorId: text("instructor_id")
      .notNull()
      .references(() => users.id),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: PAYOUT_STATUSES }).notNull(),
    stripeAccountId: text("stripe_account_id"),
    stripeTransferId: text("stripe_transfer_id"),
    attempts: integer("attempts").notNull().default(0),
    failureMessage: text("failure_message"),
    paidAt: epochMs("paid_at"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [index("payouts_instructor_idx").on(t.instructorId, t.createdAt), index("payouts_status_idx").on(t.status, t.createdAt)],
);

/** An instructor's public profile (bio and avatar); a row appears on the first edit. */
export const instructorProfiles = sqliteTable("instructor_profiles", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  bio: text("bio").notNull().default(""),
  /** The uploaded avatar in R2 (`avatars/<userId>/<random>.<ext>`); null: generated initials. */
  avatarKey: text("avatar_key"),
  updatedAt: epochMs("updated_at").notNull(),
});

/**
 * A learner's self-service refund request for a course purchase. The policy decides it inside the
 * INSERT (app/modules/marketplace/refund-requests.server.ts), in the same D1 batch as the refund's
 * reservation; the partial unique index makes it one live request per payment, so two clicks or
 * two tabs make one request and one refund. A `failed` request (Stripe refused the refund) frees
 * the payment for a new one.
 */
export const refundRequests = sqliteTable(
  "refund_requests",
  {
    id: text("id").primaryKey(),
    paymentId: text("payment_id")
      .notNull()
      .references(() => payments.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id),
    status: text("status", { enum: REFUND_REQUEST_STATUSES }).notNull(),
    /** The rule that refused it; kept after a review so the decision shows what was refused. */
    refusal: text("refusal", { enum: REFUND_REFUSALS }),
    /** What was left to refund when the request was decided (integer minor units). */
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    /** The learner's own words (may be empty). */
    reason: text("reason").notNull(),
    /** What the policy saw: modules completed of the course's modules, refunds in the 12 months before. */
    completedModules: integer("completed_modules").notNull(),
    totalModules: integer("total_modules").notNull(),
    recentRefunds: integer("recent_refunds").notNull(),
    /**
     * The refund this request made (granted or approved). No foreign key: the request is written
     * first in the batch whose later statements insert the refund only if this request was granted.
     */
    refundId: text("refund_id"),
    /** The learner's note when sending a refused request to review. */
    reviewNote: text("review_note"),
    reviewRequestedAt: epochMs("review_requested_at"),
    /** The admin's decision on a reviewed request, with their note. */
    decidedBy: text("decided_by").references(() => users.id),
    decisionNote: text("decision_note"),
    decidedAt: epochMs("decided_at"),
    failureMessage: text("failure_message"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("refund_requests_payment_live_unique").on(t.paymentId).where(sql`status <> 'failed'`),
    index("refund_requests_user_created_idx").on(t.userId, t.createdAt),
    index("refund_requests_status_idx").on(t.status, t.id),
  ],
);

/**
 * A certificate of completion (app/modules/marketplace/certificates.server.ts): issued once per
 * completed enrollment, to a learner whose tier has the `certificates` feature. `code` is the
 * public, unguessable identifier (100 random bits, Crockford base32) printed on the PDF and used in
 * the verification URL. Names and the title are kept as they were at issue (a certificate is a
 * record); whether it is still valid is read live from the enrollment (a refund or a lost dispute
 * that revokes the enrollment revokes the certificate).
 */
export const certificates = sqliteTable(
  "certificates",
  {
    code: text("code").primaryKey(),
    enrollmentId: text("enrollment_id")
      .notNull()
      .references(() => enrollments.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    courseId: text("course_id")
      .notNull()
      .references(() => courses.id),
    learnerName: text("learner_name").notNull(),
    courseTitle: text("course_title").notNull(),
    instructorName: text("instructor_name").notNull(),
    completedAt: epochMs("completed_at").notNull(),
    issuedAt: epochMs("issued_at").notNull(),
  },
  (t) => [uniqueIndex("certificates_enrollment_unique").on(t.enrollmentId), index("certificates_user_idx").on(t.userId, t.completedAt)],
);

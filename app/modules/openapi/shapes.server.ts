import type { ErrorCode } from "~/utils/errors";
import * as z from "zod";
import { FEATURES, type Feature } from "~/modules/subscriptions/tiers";
import {
  BILLING_INTERVALS,
  COURSE_CATEGORIES,
  COURSE_LANGUAGES,
  COURSE_LEVELS,
  COURSE_STATUSES,
  LICENSE_SOURCES,
  LICENSE_STATUSES,
  MACHINE_DEACTIVATION_REASONS,
  MACHINE_OVERAGES,
  PAYMENT_STATUSES,
  REFUND_STATUSES,
  SUBSCRIPTION_STATUSES,
  SUBSCRIPTION_TIERS,
} from "~drizzle/schema/enums";
import { TOKEN_ENTRY_TYPES } from "~drizzle/schema";
import { LICENSE_TIERS } from "~/modules/licensing/tiers";
import { PAYMENT_PURPOSES } from "~/modules/payments/purposes";
import { currency, idOf, money, timestamp } from "./define.server";

/**
 * Response shapes shared by several endpoints (registered as components by `id`). They describe
 * what the services return (`publicPayment`, `publicCourse`, `subscriptionView`, ...); the
 * contract test validates real responses against them.
 */

export const refundShape = z
  .object({
    id: idOf("ref"),
    paymentId: idOf("pay"),
    amount: money(),
    currency,
    reason: z.string().nullable(),
    status: z.enum(REFUND_STATUSES),
    taxAmount: money("The tax inside this refund: the payment's tax in proportion (docs/tax.md)."),
    createdAt: timestamp,
  })
  .meta({ id: "Refund" });

export const paymentTaxShape = z
  .object({
    amount: money("The tax inside `amount`."),
    behavior: z.enum(["inclusive", "exclusive"]).nullable().meta({ description: "Whether the price included the tax (inclusive) or it was added at Checkout (exclusive)." }),
    rateMilli: z.number().int().nullable().meta({ description: "The rate in thousandths of a percent (19 % → 19000)." }),
    country: z.string().nullable(),
    state: z.string().nullable(),
    jurisdiction: z.string().nullable(),
    type: z.string().nullable().meta({ description: "vat, gst, hst or sales_tax." }),
    reason: z.string().nullable().meta({ description: "Stripe's taxability reason: standard_rated, reverse_charge, not_collecting, not_subject_to_tax, customer_exempt." }),
    reverseCharge: z.boolean(),
    buyerTaxId: z.string().nullable(),
    buyerTaxIdType: z.string().nullable(),
    buyerBusinessName: z.string().nullable(),
    buyerAddress: z.record(z.string(), z.string().nullable()).nullable(),
  })
  .meta({ id: "PaymentTax" });

export const paymentShape = z
  .object({
    id: idOf("pay"),
    userId: idOf("usr"),
    purpose: z.enum(PAYMENT_PURPOSES),
    purposeRef: z.string().meta({ description: "The purpose's own reference, e.g. a course id." }),
    description: z.string(),
    amount: money(),
    currency,
    status: z.enum(PAYMENT_STATUSES).meta({ description: "Only moves forward: requires_action → processing → succeeded → partially_refunded → refunded, or failed / canceled." }),
    amountRefunded: money(),
    amountRefundable: money("What is left to refund (0 unless paid)."),
    taxAmount: money("The tax inside `amount` (0 until Checkout computed it)."),
    tax: paymentTaxShape.nullable().meta({ description: "The tax Stripe Tax computed at Checkout; null when none was (card payments through the API)." }),
    failure: z.object({ code: z.string(), message: z.string().nullable() }).nullable(),
    createdAt: timestamp,
    succeededAt: timestamp.nullable(),
  })
  .meta({ id: "Payment" });

export const paymentWithRefunds = paymentShape.extend({ refunds: z.array(refundShape) }).meta({ id: "PaymentWithRefunds" });

export const nextActionShape = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("redirect_to_checkout"), url: z.string().meta({ description: "Stripe's hosted Checkout page." }) }),
    z.object({ type: z.literal("confirm_with_client_secret"), clientSecret: z.string() }),
    z.object({ type: z.literal("none") }).meta({ description: "Card confirmed; fulfilment follows Stripe's webhook." }),
  ])
  .meta({ id: "NextAction" });

export const paymentStartedShape = z
  .object({ paymentId: idOf("pay"), status: z.enum(PAYMENT_STATUSES), amount: money(), currency, nextAction: nextActionShape })
  .meta({ id: "PaymentStarted" });

/** The errors of an endpoint that starts a payment for something that must exist (purchase, process, plan change). */
export const PAYMENT_START_ERRORS = {
  400: ["bad_request", "validation_failed"],
  401: ["unauthenticated"],
  402: ["payment_required"],
  403: ["forbidden", "csrf_failed"],
  404: ["not_found"],
  409: ["conflict", "idempotency_conflict"],
  503: ["upstream_unavailable"],
} satisfies Partial<Record<number, ErrorCode[]>>;

export const courseShape = z
  .object({
    id: idOf("crs"),
    slug: z.string(),
    title: z.string(),
    description: z.string(),
    category: z.enum(COURSE_CATEGORIES),
    level: z.enum(COURSE_LEVELS),
    language: z.enum(COURSE_LANGUAGES),
    price: z.object({ amount: money(), currency }),
    sale: z
      .object({ amount: money(), endsAt: timestamp })
      .nullable()
      .meta({ description: "The sale running now: its price (below `price.amount`, in the same currency) until `endsAt`; null when none. Members' discounts apply on it; a course on sale takes no promotion code." }),
    isFree: z.boolean(),
    status: z.enum(COURSE_STATUSES),
    rating: z.object({ average: z.number().min(0).max(5), count: z.number().int().nonnegative() }),
    enrollmentCount: z.number().int().nonnegative(),
    instructor: z.object({ id: idOf("usr"), name: z.string().optional() }),
    coverUrl: z.string().nullable().meta({ description: "Path of the uploaded cover image (PNG, JPEG or WebP; immutable URL), or null when the course shows a generated cover." }),
    publishedAt: timestamp.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Course" });

export const moduleShape = z
  .object({
    id: idOf("mod"),
    position: z.number().int(),
    title: z.string(),
    hasFile: z.boolean(),
    fileName: z.string().nullable(),
    contentType: z.string().nullable(),
    sizeBytes: z.number().int().nullable(),
  })
  .meta({ id: "CourseModule" });

const FEATURE_KEYS = Object.keys(FEATURES) as [Feature, ...Feature[]];

export const subscriptionShape = z
  .object({
    tier: z.enum(SUBSCRIPTION_TIERS),
    tierName: z.string(),
    plan: z.string().meta({ example: "Pro (monthly)" }),
    status: z.enum(SUBSCRIPTION_STATUSES),
    interval: z.enum(BILLING_INTERVALS).nullable(),
    amount: money("Price per interval, integer minor units (0 on Free)."),
    currency,
    currentPeriodStart: timestamp.nullable(),
    currentPeriodEnd: timestamp.nullable(),
    renewsAt: timestamp.nullable().meta({ description: "The next renewal; null when it ends at period end or there is none." }),
    cancelAtPeriodEnd: z.boolean(),
    accessEndsAt: timestamp.nullable(),
    pendingChange: z.object({ tier: z.enum(SUBSCRIPTION_TIERS), interval: z.enum(BILLING_INTERVALS).nullable(), effectiveAt: timestamp.nullable() }).nullable(),
    dunning: z
      .object({ since: timestamp.nullable(), attempts: z.number().int(), nextAttemptAt: timestamp.nullable(), lastError: z.string().nullable() })
      .nullable()
      .meta({ description: "Set while a renewal payment is being retried (status past_due)." }),
    trial: z
      .object({
        startedAt: timestamp.nullable(),
        endsAt: timestamp,
        hasPaymentMethod: z.boolean().meta({ description: "A card is on file: it is charged when the trial ends." }),
        atEnd: z.enum(["charge", "cancel", "pause"]).meta({ description: "What happens when the trial ends: the card is charged, or (no card) the subscription is canceled or paused (TRIAL_POLICY)." }),
      })
      .nullable()
      .meta({ description: "Set while the subscription is in its free trial (status trialing)." }),
    subscriptionId: idOf("sub").nullable(),
    features: z.array(z.enum(FEATURE_KEYS)),
    limits: z.object({ courseDiscountBps: z.number().int(), tokenMultiplierPct: z.number().int(), seats: z.number().int(), monthlyDownloads: z.number().int() }),
    entitlement: z
      .object({
        tier: z.enum(SUBSCRIPTION_TIERS),
        tierName: z.string(),
        source: z.enum(["subscription", "seat", "none"]),
        features: z.array(z.enum(FEATURE_KEYS)),
        limits: z.object({ courseDiscountBps: z.number().int(), tokenMultiplierPct: z.number().int(), seats: z.number().int(), monthlyDownloads: z.number().int() }),
        organization: z
          .object({
            id: idOf("org"),
            name: z.string(),
            role: z.enum(["owner", "admin", "member"]),
            tier: z.enum(["pro", "enterprise"]),
            licenseExpiresAt: timestamp,
            managedBy: z.object({ name: z.string(), email: z.string() }),
          })
          .nullable(),
      })
      .optional()
      .meta({
        description:
          "What the user is entitled to now (GET /api/subscriptions/current): the higher of their own plan (the fields above) and a seat in an organization with an active licence.",
      }),
  })
  .meta({ id: "Subscription" });

/** The subscription a Free user sees (what the examples show for the Free tier). */
export const FREE_SUBSCRIPTION_EXAMPLE = {
  tier: "free",
  tierName: "Free",
  plan: "Free",
  status: "active",
  interval: null,
  amount: 0,
  currency: "usd",
  currentPeriodStart: null,
  currentPeriodEnd: null,
  renewsAt: null,
  cancelAtPeriodEnd: false,
  accessEndsAt: null,
  pendingChange: null,
  dunning: null,
  trial: null,
  subscriptionId: null,
  features: [],
  limits: { courseDiscountBps: 0, tokenMultiplierPct: 100, seats: 1, monthlyDownloads: 0 },
};

export const FREE_ENTITLEMENT_EXAMPLE = {
  tier: "free",
  tierName: "Free",
  source: "none",
  features: [],
  limits: FREE_SUBSCRIPTION_EXAMPLE.limits,
  organization: null,
};

export const PRO_SUBSCRIPTION_EXAMPLE = {
  ...FREE_SUBSCRIPTION_EXAMPLE,
  tier: "pro",
  tierName: "Pro",
  plan: "Pro (monthly)",
  interval: "month",
  amount: 1900,
  currentPeriodStart: 1795750000000,
  currentPeriodEnd: 1798342000000,
  renewsAt: 1798342000000,
  subscriptionId: "sub_01jdxa7q2m3n4p5r6s7t8v9w0x",
  features: ["course_discount", "certificates", "offline_downloads", "priority_support"],
  limits: { courseDiscountBps: 2000, tokenMultiplierPct: 150, seats: 1, monthlyDownloads: 50 },
};

/** A Pro subscription in its 14-day free trial, started without a card. */
export const PRO_TRIAL_EXAMPLE = {
  ...PRO_SUBSCRIPTION_EXAMPLE,
  status: "trialing",
  currentPeriodEnd: 1796959600000,
  renewsAt: 1796959600000,
  trial: { startedAt: 1795750000000, endsAt: 1796959600000, hasPaymentMethod: false, atEnd: "cancel" },
};

export const COURSE_EXAMPLE = {
  id: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x",
  slug: "sql-for-analysts",
  title: "SQL for analysts",
  description: "Write the queries your dashboards need, from SELECT to window functions.",
  category: "data",
  level: "beginner",
  language: "en",
  price: { amount: 4999, currency: "usd" },
  sale: null,
  isFree: false,
  status: "published",
  rating: { average: 4.5, count: 12 },
  enrollmentCount: 340,
  instructor: { id: "usr_01jdxa7q2m3n4p5r6s7t8v9w0y", name: "Ivy Instructor" },
  coverUrl: "/covers/crs_01jdxa7q2m3n4p5r6s7t8v9w0x/3f9a1c2b4d5e6f70.png",
  publishedAt: 1795750000000,
  createdAt: 1795700000000,
  updatedAt: 1795750000000,
};

export const PAYMENT_EXAMPLE = {
  id: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x",
  userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x",
  purpose: "course_purchase",
  purposeRef: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x",
  description: "Course: SQL for analysts",
  amount: 4999,
  currency: "usd",
  status: "succeeded",
  amountRefunded: 0,
  amountRefundable: 4999,
  taxAmount: 0,
  tax: null,
  failure: null,
  createdAt: 1795750000000,
  succeededAt: 1795750003000,
};

// ----- reward tokens ----------------------------------------------------------------------------

export const tokenHistoryEntryShape = z
  .object({
    id: idOf("ttx"),
    seq: z.number().int().positive().meta({ description: "Position in the learner's ledger (1, 2, 3 …); history cursors use it." }),
    type: z.enum(TOKEN_ENTRY_TYPES),
    amount: z.number().int().meta({ description: "Change of the available balance (negative for spending)." }),
    heldDelta: z.number().int().meta({ description: "Change of the held tokens (discount holds)." }),
    balanceAfter: z.number().int().nonnegative(),
    heldAfter: z.number().int().nonnegative(),
    reason: z.string(),
    ref: z.string().nullable().meta({ description: "What the entry is about: `course:<id>`, `payment:<id>`, `hold:<id>`, `freeze`." }),
    createdAt: timestamp,
  })
  .meta({ id: "TokenEntry" });

/** A ledger entry as the wallet answers a write (with its owner and idempotency source). */
export const tokenEntryShape = tokenHistoryEntryShape
  .extend({ userId: idOf("usr"), sourceKey: z.string().meta({ description: "Each source writes once: a replay returns the first entry." }) })
  .meta({ id: "TokenWrite" });

export const TOKEN_ENTRY_EXAMPLE = {
  id: "ttx_01jdxa7q2m3n4p5r6s7t8v9w0x",
  seq: 7,
  type: "redeem",
  amount: -200,
  heldDelta: 0,
  balanceAfter: 260,
  heldAfter: 0,
  reason: "Streak freeze",
  ref: "freeze",
  createdAt: 1795760000000,
};

export const boardRowShape = z
  .object({
    rank: z.number().int().positive(),
    name: z.string(),
    handle: z.string().nullable().meta({ description: "The learner's public handle (their profile page is /learners/{handle}); user ids are never shown on boards." }),
    score: z.number().int(),
    isYou: z.boolean(),
  })
  .meta({ id: "BoardRow" });

export const tokenAwardRequestShape = z
  .object({
    id: idOf("tar"),
    userId: idOf("usr").meta({ description: "Who receives the tokens." }),
    amount: z.number().int().positive(),
    reason: z.string(),
    requestedBy: idOf("usr"),
    status: z.enum(["pending", "approved", "rejected"]),
    decidedBy: idOf("usr").nullable(),
    decidedAt: timestamp.nullable(),
    entryId: idOf("ttx").nullable().meta({ description: "The wallet entry the approval wrote." }),
    createdAt: timestamp,
  })
  .meta({ id: "TokenAwardRequest" });

export const TOKEN_AWARD_REQUEST_EXAMPLE = {
  id: "tar_01jdxa7q2m3n4p5r6s7t8v9w0x",
  userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x",
  amount: 5000,
  reason: "Hackathon winner",
  requestedBy: "usr_01jdxa7q2m3n4p5r6s7t8v9w0y",
  status: "pending",
  decidedBy: null,
  decidedAt: null,
  entryId: null,
  createdAt: 1795750000000,
} as const;

// ----- licensing --------------------------------------------------------------------------------

export const licenseShape = z
  .object({
    id: idOf("lic"),
    organizationId: idOf("org"),
    tier: z.enum(LICENSE_TIERS),
    status: z.enum(LICENSE_STATUSES),
    source: z.enum(LICENSE_SOURCES),
    features: z.array(z.string()),
    maxSeats: z.number().int(),
    maxMachines: z.number().int(),
    metadata: z.record(z.string(), z.string()),
    startsAt: timestamp,
    expiresAt: timestamp,
    autoRenews: z.boolean(),
    policy: z
      .object({
        heartbeatIntervalSeconds: z.number().int().nullable().meta({ description: "Machines must send a heartbeat this often (null: no heartbeats required)." }),
        heartbeatGraceSeconds: z.number().int().meta({ description: "Added to the interval before a silent machine is dead." }),
        checkInIntervalDays: z.number().int().nullable().meta({ description: "The license must check in this often, else OVERDUE (null: never)." }),
        lastCheckInAt: timestamp.nullable(),
        checkInDueAt: timestamp.nullable().meta({ description: "OVERDUE after this." }),
        machineOverage: z.enum(MACHINE_OVERAGES),
        machineCeiling: z.number().int().meta({ description: "Active machines allowed: maxMachines times the overage, rounded down." }),
      })
      .meta({ id: "LicensePolicy" }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "License" });

export const machineShape = z
  .object({
    id: idOf("mch"),
    licenseId: idOf("lic"),
    fingerprint: z.string(),
    name: z.string().nullable(),
    firstSeenAt: timestamp,
    lastSeenAt: timestamp,
    lastHeartbeatAt: timestamp.nullable(),
    heartbeatDeadline: timestamp.nullable().meta({ description: "Dead (slot freed) without a heartbeat by then; null without a heartbeat policy or when inactive." }),
    active: z.boolean(),
    deactivatedAt: timestamp.nullable(),
    deactivatedReason: z.enum(MACHINE_DEACTIVATION_REASONS).nullable(),
  })
  .meta({ id: "Machine" });

export const licenseKeyShape = z
  .object({
    id: z.string().meta({ description: "`lky_…`, or `original` for the key of a license from before per-key management." }),
    label: z.string(),
    createdAt: timestamp,
    revokedAt: timestamp.nullable(),
    revokedReason: z.string().nullable(),
    key: z.string().startsWith("CMLK1.").nullable().meta({ description: "The key for the license's current terms; null once revoked." }),
  })
  .meta({ id: "LicenseKey" });

export const LICENSE_EXAMPLE = {
  id: "lic_01m8e2rky7w1a0pb1fh9je24fm",
  organizationId: "org_01m8e2rky7w1a0pb1fh9je24fj",
  tier: "enterprise",
  status: "active",
  source: "manual",
  features: ["course_discount", "certificates", "offline_downloads", "priority_support", "team_seats", "white_label"],
  maxSeats: 200,
  maxMachines: 500,
  metadata: { contract: "ACME-2027" },
  startsAt: 1795750000000,
  expiresAt: 1830297599999,
  autoRenews: false,
  policy: { heartbeatIntervalSeconds: null, heartbeatGraceSeconds: 0, checkInIntervalDays: null, lastCheckInAt: null, checkInDueAt: null, machineOverage: "none", machineCeiling: 500 },
  createdAt: 1795750000000,
  updatedAt: 1795750000000,
};

export const MACHINE_EXAMPLE = {
  id: "mch_01m8e3rky7w1a0pb1fh9je24fm",
  licenseId: "lic_01m8e2rky7w1a0pb1fh9je24fm",
  fingerprint: "build-server-01",
  name: "Build server",
  firstSeenAt: 1795768996000,
  lastSeenAt: 1795768996000,
  lastHeartbeatAt: 1795768996000,
  heartbeatDeadline: null,
  active: true,
  deactivatedAt: null,
  deactivatedReason: null,
};

export const LICENSE_KEY_EXAMPLE = {
  id: "lky_01m8e2rky7w1a0pb1fh9je24fn",
  label: "Production 2027",
  createdAt: 1795750000000,
  revokedAt: null,
  revokedReason: null,
  key: "CMLK1.eyJ2IjoxLCJraWQiOiJrMSIsImxpY2Vuc2VJZCI6ImxpY18wMW04ZTJya3k3dzFhMHBiMWZoOWplMjRmbSJ9.c2lnbmF0dXJl",
};

const certificateCode = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/)
  .meta({ description: "The certificate's public code: 20 random Crockford base32 characters in groups of five.", example: "7K3QW-9ZXTM-0B1CD-EFGH2" });

/** What anyone may see of a certificate (`publicCertificate` in marketplace/certificates.server.ts). */
export const publicCertificateShape = z
  .object({
    code: certificateCode,
    status: z.enum(["valid", "revoked"]).meta({ description: "`revoked` when the learner's access to the course was withdrawn (a refund or a lost dispute)." }),
    learnerName: z.string().meta({ description: "The learner's name as it was when the certificate was issued." }),
    courseTitle: z.string(),
    instructorName: z.string(),
    completedAt: timestamp,
    revokedAt: timestamp.nullable().meta({ description: "When access was withdrawn, for a revoked certificate; otherwise null." }),
  })
  .meta({ id: "PublicCertificate" });

/** A certificate as its owner sees it (`ownCertificate`). */
export const ownCertificateShape = publicCertificateShape
  .extend({
    courseId: idOf("crs"),
    issuedAt: timestamp,
    verifyUrl: z.url().meta({ description: "The public verification page: share it, or let an employer open it." }),
    pdfUrl: z.url().meta({ description: "The certificate as a PDF (`GET /api/certificates/{code}/pdf`)." }),
  })
  .meta({ id: "Certificate" });

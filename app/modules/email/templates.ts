import * as z from "zod";
import { currencySchema, minorUnitsSchema } from "~/utils/money";
import { formatAmount, formatDate, formatDateTime, formatTokens } from "./format";
import { renderLayout, type EmailBrand, type EmailContent, type RenderedEmail } from "./layout";

/*
 * Every transactional email Coursemint sends. Each template has a zod schema for its data
 * (checked by the producer and again by the consumer) and a render function that says what the
 * email contains; the layout turns that into HTML and plain text. Money is integer minor units
 * plus a currency, dates are epoch milliseconds, shown in UTC.
 */

const text = (max: number) => z.string().trim().min(1).max(max);
/** Only http(s) links: a `javascript:` URL in an email button would be an injection. */
const link = z.url({ protocol: /^https?$/, error: "Must be an http(s) URL" });
const epochMs = z.number().int().nonnegative().safe();
const name = text(120);

const paymentReceipt = z.object({
  name,
  item: text(200),
  amount: minorUnitsSchema.nonnegative(),
  currency: currencySchema,
  paidAt: epochMs,
  paymentId: text(100),
  receiptUrl: link,
});

const bundleReceipt = z.object({
  name,
  bundle: text(200),
  amount: minorUnitsSchema.nonnegative(),
  currency: currencySchema,
  /** Taken off for courses the learner already owned (minor units). */
  ownedCredit: minorUnitsSchema.nonnegative(),
  /** The courses this payment enrolled them in. */
  courses: z.array(text(200)).min(1).max(20),
  /** Courses another purchase had already given them, refunded automatically (their share). */
  refundedOverlap: minorUnitsSchema.nonnegative(),
  paidAt: epochMs,
  paymentId: text(100),
  receiptUrl: link,
  learningUrl: link,
});

const subscriptionRenewed = z.object({
  name,
  plan: text(120),
  amount: minorUnitsSchema.nonnegative(),
  currency: currencySchema,
  renewedAt: epochMs,
  periodEnd: epochMs,
  paymentId: text(100),
  manageUrl: link,
});

/** The plan changes a subscriber is told about (subscription_changes kinds, app/modules/subscriptions). */
export const NOTIFIED_PLAN_CHANGES = ["upgraded", "interval_changed", "downgrade_scheduled", "cancel_scheduled", "resumed", "canceled"] as const;
const subscriptionChanged = z.object({
  name,
  change: z.enum(NOTIFIED_PLAN_CHANGES),
  /** The plan after the change, in words ("Pro (yearly)"). */
  plan: text(120),
  previousPlan: text(120).optional(),
  /** When it takes or took effect: the end of access, the downgrade's date, the next renewal. */
  effectiveAt: epochMs,
  manageUrl: link,
});

const trialEnding = z.object({
  name,
  plan: text(120),
  trialEndsAt: epochMs,
  /** What happens at the end: the card is charged, or (no card) the trial is canceled or paused. */
  atEnd: z.enum(["charge", "cancel", "pause"]),
  amount: minorUnitsSchema.nonnegative(),
  currency: currencySchema,
  manageUrl: link,
});

const coursePurchased = z.object({
  name,
  courseTitle: text(200),
  instructorName: text(120).optional(),
  amount: minorUnitsSchema.nonnegative(),
  currency: currencySchema,
  purchasedAt: epochMs,
  paymentId: text(100),
  courseUrl: link,
});

const tokensAwarded = z.object({
  name,
  tokens: z.number().int().positive().safe(),
  reason: text(200),
  balance: z.number().int().nonnegative().safe(),
  awardedAt: epochMs,
  walletUrl: link,
});

const licenseRenewalNotice = z.object({
  name,
  organization: text(200),
  seats: z.number().int().positive().safe(),
  expiresAt: epochMs,
  amount: minorUnitsSchema.nonnegative().optional(),
  currency: currencySchema.optional(),
  renewUrl: link,
}).refine((d) => (d.amount === undefined) === (d.currency === undefined), {
  path: ["currency"],
  message: "amount and currency go together",
});

const refundIssued = z.object({
  name,
  item: text(200),
  amount: minorUnitsSchema.positive(),
  currency: currencySchema,
  refundedAt: epochMs,
  paymentId: text(100),
  refundId: text(100),
  reason: text(300).optional(),
  receiptUrl: link.optional(),
});

const refundRequestAnswered = z.object({
  name,
  item: text(200),
  /** refused: by a rule of the refund policy; declined: by an admin after review. */
  outcome: z.enum(["refused", "declined"]),
  amount: minorUnitsSchema.positive(),
  currency: currencySchema,
  requestedAt: epochMs,
  paymentId: text(100),
  /** The rule that refused it, in words. */
  reason: text(500),
  /** The admin's note (declined). */
  note: text(1000).optional(),
  canSendToReview: z.boolean().default(false),
  receiptUrl: link,
});

const paymentFailed = z.object({
  name,
  item: text(200),
  amount: minorUnitsSchema.nonnegative(),
  currency: currencySchema,
  failedAt: epochMs,
  /** 1 for the first failure; dunning increments it. */
  attempt: z.number().int().positive().max(100).default(1),
  /** When we will try the card again; null when we will not (access ends instead). */
  nextAttemptAt: epochMs.nullable().default(null),
  /** When access ends if the payment is not fixed. */
  accessEndsAt: epochMs.optional(),
  failureReason: text(300).optional(),
  updatePaymentUrl: link,
});

const signupConfirm = z.object({
  name,
  confirmUrl: link,
  expiresAt: epochMs,
});

const signupExistingAccount = z.object({
  name,
  loginUrl: link,
});

const passwordReset = z.object({
  name,
  resetUrl: link,
  expiresAt: epochMs,
});

const passwordChanged = z.object({
  name,
  changedAt: epochMs,
  accountUrl: link,
  /** How: a reset link (every device signed out) or the account page (every other device). */
  via: z.enum(["reset_link", "account"]).default("reset_link"),
});

const disputeOpened = z.object({
  name,
  item: text(200),
  amount: minorUnitsSchema.positive(),
  currency: currencySchema,
  openedAt: epochMs,
  paymentId: text(100),
  /** What the dispute paused, in words ("your access to SQL for Analysts"). */
  paused: text(300),
  receiptUrl: link,
});

const disputeInstructor = z.object({
  name,
  courseTitle: text(200),
  amount: minorUnitsSchema.positive(),
  currency: currencySchema,
  openedAt: epochMs,
  /** Still in the hold (frozen) or already paid out (recovered from future earnings). */
  earning: z.enum(["frozen", "recovered"]),
  earningAmount: minorUnitsSchema.nonnegative(),
  earningsUrl: link,
});

const disputeEvidenceDue = z.object({
  name,
  item: text(200),
  amount: minorUnitsSchema.positive(),
  currency: currencySchema,
  reason: text(200),
  dueBy: epochMs,
  daysLeft: z.number().int().nonnegative().max(60),
  disputeUrl: link,
});

const organizationInvitation = z.object({
  inviterName: name,
  organization: text(200),
  role: z.enum(["admin", "member"]),
  acceptUrl: link,
  expiresAt: epochMs,
});

const organizationMemberJoined = z.object({
  name,
  memberName: name,
  memberEmail: z.email(),
  organization: text(200),
  seatsUsed: z.number().int().nonnegative(),
  seatsLimit: z.number().int().nonnegative(),
  membersUrl: link,
});

const organizationMemberRemoved = z.object({
  name,
  organization: text(200),
  removedAt: epochMs,
  /** Still on a plan of their own after the seat ends (then nothing changes for them). */
  ownPlan: text(60).nullable().default(null),
  pricingUrl: link,
});

const organizationSeatEnded = z.object({
  name,
  organization: text(200),
  /** Why, in words: "the organization's Enterprise subscription ended", "the licence expired". */
  reason: text(200),
  endedAt: epochMs,
  pricingUrl: link,
});

type Def<S extends z.ZodType> = {
  schema: S;
  render: (data: z.output<S>) => EmailContent;
  /** Fields that grant access (single-use sign-in links): blanked in the stored data once the email is sent. */
  secrets?: (keyof z.output<S> & string)[];
};
const define = <S extends z.ZodType>(def: Def<S>) => def;

export const EMAIL_TEMPLATES = {
  "payment-receipt": define({
    schema: paymentReceipt,
    render: (d) => ({
      subject: `Your Coursemint receipt for ${d.item}`,
      preheader: `We received your payment of ${formatAmount(d.amount, d.currency)}.`,
      heading: "Payment received",
      greeting: `Hi ${d.name},`,
      paragraphs: [`Thank you for your payment. Here is your receipt for ${d.item}.`],
      facts: [
        ["Item", d.item],
        ["Amount", formatAmount(d.amount, d.currency)],
        ["Date", formatDateTime(d.paidAt)],
        ["Payment ID", d.paymentId],
      ],
      button: { label: "View receipt", url: d.receiptUrl },
      footnote: "Keep this email for your records. Questions about a charge? Reply with the payment ID.",
    }),
  }),

  "bundle-receipt": define({
    schema: bundleReceipt,
    render: (d) => ({
      subject: `Your Coursemint receipt for ${d.bundle}`,
      preheader: `We received your payment of ${formatAmount(d.amount, d.currency)}; you are enrolled in ${d.courses.length} ${d.courses.length === 1 ? "course" : "courses"}.`,
      heading: "Bundle purchased",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        `Thank you for buying ${d.bundle}. You are now enrolled in: ${d.courses.join("; ")}.`,
        ...(d.ownedCredit > 0 ? [`You already owned some of its courses, so their share (${formatAmount(d.ownedCredit, d.currency)}) was taken off the price.`] : []),
        ...(d.refundedOverlap > 0
          ? [`Another purchase had already given you some of these courses, so we refunded their share (${formatAmount(d.refundedOverlap, d.currency)}) to your card automatically.`]
          : []),
      ],
      facts: [
        ["Bundle", d.bundle],
        ["Courses", String(d.courses.length)],
        ["Amount", formatAmount(d.amount, d.currency)],
        ...(d.refundedOverlap > 0 ? ([["Refunded automatically", formatAmount(d.refundedOverlap, d.currency)]] as [string, string][]) : []),
        ["Date", formatDateTime(d.paidAt)],
        ["Payment ID", d.paymentId],
      ],
      button: { label: "Start learning", url: d.learningUrl },
      footnote: `Your receipt is at ${d.receiptUrl}. Keep this email for your records. Questions about a charge? Reply with the payment ID.`,
    }),
  }),

  "subscription-renewed": define({
    schema: subscriptionRenewed,
    render: (d) => ({
      subject: `Your ${d.plan} subscription has renewed`,
      preheader: `${formatAmount(d.amount, d.currency)} charged; access continues until ${formatDate(d.periodEnd)}.`,
      heading: "Subscription renewed",
      greeting: `Hi ${d.name},`,
      paragraphs: [`Your ${d.plan} subscription renewed successfully. Your access continues without interruption.`],
      facts: [
        ["Plan", d.plan],
        ["Amount", formatAmount(d.amount, d.currency)],
        ["Renewed on", formatDateTime(d.renewedAt)],
        ["Next renewal", formatDate(d.periodEnd)],
        ["Payment ID", d.paymentId],
      ],
      button: { label: "Manage subscription", url: d.manageUrl },
      footnote: "You can cancel at any time before the next renewal date.",
    }),
  }),

  "subscription-changed": define({
    schema: subscriptionChanged,
    render: (d) => {
      const on = formatDate(d.effectiveAt);
      const words = {
        upgraded: { subject: `You're now on ${d.plan}`, heading: "Plan upgraded", body: `Your plan changed${d.previousPlan ? ` from ${d.previousPlan}` : ""} to ${d.plan}. Its features are yours now; the prorated difference was charged to your card. It next renews on ${on}.` },
        interval_changed: { subject: `Your plan is now ${d.plan}`, heading: "Billing changed", body: `Your billing changed${d.previousPlan ? ` from ${d.previousPlan}` : ""} to ${d.plan}. It next renews on ${on}.` },
        downgrade_scheduled: { subject: `Your plan changes to ${d.plan} on ${on}`, heading: "Plan change scheduled", body: `You keep ${d.previousPlan ?? "your current plan"} until ${on}; from then on you are on ${d.plan} and billed its price. Nothing is charged now.` },
        cancel_scheduled: { subject: `Your ${d.plan} subscription ends on ${on}`, heading: "Subscription canceled", body: `Your ${d.plan} subscription is canceled: you keep its features until ${on}, then you move to Free and are not charged again. Changed your mind? Resume it before then.` },
        resumed: { subject: `Your ${d.plan} subscription continues`, heading: "Subscription resumed", body: `Your ${d.plan} subscription is no longer set to end. It renews on ${on}.` },
        canceled: { subject: `Your ${d.plan} subscription has ended`, heading: "Subscription ended", body: `Your ${d.plan} subscription ended on ${on}. You are on Free now and will not be charged again. Courses you bought stay yours.` },
      }[d.change];
      return {
        subject: words.subject,
        preheader: words.body.split(". ")[0] + ".",
        heading: words.heading,
        greeting: `Hi ${d.name},`,
        paragraphs: [words.body],
        facts: [
          ["Plan", d.plan],
          ...(d.previousPlan ? ([["Before", d.previousPlan]] as [string, string][]) : []),
          [d.change === "canceled" ? "Ended" : d.change === "cancel_scheduled" ? "Access until" : d.change === "downgrade_scheduled" ? "Takes effect" : "Next renewal", on],
        ],
        button: { label: d.change === "cancel_scheduled" ? "Resume or manage" : "Manage subscription", url: d.manageUrl },
        footnote: "Didn't make this change? Reply to this email and we will look into it.",
      };
    },
  }),

  "trial-ending": define({
    schema: trialEnding,
    render: (d) => ({
      subject: `Your ${d.plan} free trial ends on ${formatDate(d.trialEndsAt)}`,
      preheader:
        d.atEnd === "charge"
          ? `${formatAmount(d.amount, d.currency)} will be charged on ${formatDate(d.trialEndsAt)}.`
          : `Nothing will be charged; add a plan before ${formatDate(d.trialEndsAt)} to keep your features.`,
      heading: "Your free trial ends soon",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        `Your free trial of ${d.plan} ends on ${formatDate(d.trialEndsAt)}.`,
        d.atEnd === "charge"
          ? `Your card on file will then be charged ${formatAmount(d.amount, d.currency)} and your plan continues. Cancel before then and nothing is charged.`
          : d.atEnd === "pause"
            ? "You have no card on file, so nothing will be charged: your subscription will be paused and you move to Free until you choose a plan."
            : "You have no card on file, so nothing will be charged: your trial will end and you move to Free. Choose a plan to keep your features.",
      ],
      facts: [
        ["Plan", d.plan],
        ["Trial ends", formatDate(d.trialEndsAt)],
        ["Then", d.atEnd === "charge" ? formatAmount(d.amount, d.currency) : d.atEnd === "pause" ? "Paused, nothing charged" : "Free, nothing charged"],
      ],
      button: { label: "Manage subscription", url: d.manageUrl },
    }),
  }),

  "course-purchased": define({
    schema: coursePurchased,
    render: (d) => ({
      subject: `You're enrolled: ${d.courseTitle}`,
      preheader: `Your purchase of ${d.courseTitle} is confirmed.`,
      heading: "Course purchase confirmed",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        `You now have full access to ${d.courseTitle}${d.instructorName ? ` by ${d.instructorName}` : ""}. Happy learning!`,
      ],
      facts: [
        ["Course", d.courseTitle],
        ["Amount", formatAmount(d.amount, d.currency)],
        ["Date", formatDateTime(d.purchasedAt)],
        ["Payment ID", d.paymentId],
      ],
      button: { label: "Start learning", url: d.courseUrl },
    }),
  }),

  "tokens-awarded": define({
    schema: tokensAwarded,
    render: (d) => ({
      subject: `You earned ${formatTokens(d.tokens)}`,
      preheader: `${d.reason}. Your balance is now ${formatTokens(d.balance)}.`,
      heading: `You earned ${formatTokens(d.tokens)}`,
      greeting: `Hi ${d.name},`,
      paragraphs: [`Nice work! You received ${formatTokens(d.tokens)} for: ${d.reason}.`],
      facts: [
        ["Awarded", formatTokens(d.tokens)],
        ["New balance", formatTokens(d.balance)],
        ["Date", formatDateTime(d.awardedAt)],
      ],
      button: { label: "Open your wallet", url: d.walletUrl },
    }),
  }),

  "license-renewal-notice": define({
    schema: licenseRenewalNotice,
    render: (d) => ({
      subject: `${d.organization}: your Coursemint license expires on ${formatDate(d.expiresAt)}`,
      preheader: `Renew before ${formatDate(d.expiresAt)} to keep access for ${d.seats} seats.`,
      heading: "Your license is due for renewal",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        `The Coursemint enterprise license for ${d.organization} expires on ${formatDate(d.expiresAt)}.`,
        "Renew before then so your team keeps uninterrupted access; license keys stop validating after expiry.",
      ],
      facts: [
        ["Organization", d.organization],
        ["Seats", String(d.seats)],
        ["Expires", formatDateTime(d.expiresAt)],
        ...(d.amount !== undefined && d.currency ? [["Renewal price", formatAmount(d.amount, d.currency)] as [string, string]] : []),
      ],
      button: { label: "Renew license", url: d.renewUrl },
    }),
  }),

  "refund-issued": define({
    schema: refundIssued,
    render: (d) => ({
      subject: `Your refund for ${d.item}`,
      preheader: `We refunded ${formatAmount(d.amount, d.currency)} to your original payment method.`,
      heading: "Refund issued",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        `We refunded ${formatAmount(d.amount, d.currency)} for ${d.item} to your original payment method.`,
        "Refunds usually appear on your statement within 5–10 business days, depending on your bank.",
      ],
      facts: [
        ["Item", d.item],
        ["Refunded", formatAmount(d.amount, d.currency)],
        ["Date", formatDateTime(d.refundedAt)],
        ["Payment ID", d.paymentId],
        ["Refund ID", d.refundId],
        ...(d.reason ? [["Reason", d.reason] as [string, string]] : []),
      ],
      ...(d.receiptUrl ? { button: { label: "View receipt", url: d.receiptUrl } } : {}),
    }),
  }),

  "refund-request-answered": define({
    schema: refundRequestAnswered,
    render: (d) => ({
      subject: d.outcome === "refused" ? `Your refund request for ${d.item} was not granted` : `Your refund request for ${d.item} was reviewed`,
      preheader: d.outcome === "refused" ? `We could not refund ${formatAmount(d.amount, d.currency)} automatically.` : `After review, we could not refund ${formatAmount(d.amount, d.currency)}.`,
      heading: d.outcome === "refused" ? "Refund not granted" : "Refund request declined",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        d.outcome === "refused"
          ? `You asked for a refund of ${formatAmount(d.amount, d.currency)} for ${d.item}, and our refund policy does not allow it automatically: ${d.reason}`
          : `Our team reviewed your refund request for ${d.item} (${formatAmount(d.amount, d.currency)}) and declined it.${d.note ? ` Their note: ${d.note}` : ""}`,
        d.outcome === "refused"
          ? d.canSendToReview
            ? "If you think it should be refunded anyway, open your receipt and send the request to our team for review. We reply by email."
            : "Your access to the course is unchanged."
          : "Your access to the course is unchanged and nothing was charged or refunded.",
      ],
      facts: [
        ["Item", d.item],
        ["Amount", formatAmount(d.amount, d.currency)],
        ["Asked on", formatDateTime(d.requestedAt)],
        ["Payment ID", d.paymentId],
        ["Why", d.reason],
      ],
      button: { label: d.outcome === "refused" && d.canSendToReview ? "Open the receipt" : "View receipt", url: d.receiptUrl },
    }),
  }),

  "payment-failed": define({
    schema: paymentFailed,
    render: (d) => ({
      subject: `Action needed: your payment for ${d.item} failed`,
      preheader: `We couldn't charge ${formatAmount(d.amount, d.currency)}. Update your payment method to keep access.`,
      heading: "Your payment didn't go through",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        `We couldn't charge ${formatAmount(d.amount, d.currency)} for ${d.item}${d.failureReason ? ` (${d.failureReason})` : ""}.`,
        d.nextAttemptAt !== null
          ? `We'll try again on ${formatDateTime(d.nextAttemptAt)}. Update your payment method before then to avoid losing access.`
          : "We won't retry this payment automatically. Update your payment method to restore access.",
      ],
      facts: [
        ["Item", d.item],
        ["Amount due", formatAmount(d.amount, d.currency)],
        ["Failed on", formatDateTime(d.failedAt)],
        ["Attempt", String(d.attempt)],
        ...(d.nextAttemptAt !== null ? [["Next attempt", formatDateTime(d.nextAttemptAt)] as [string, string]] : []),
        ...(d.accessEndsAt !== undefined ? [["Access ends", formatDateTime(d.accessEndsAt)] as [string, string]] : []),
      ],
      button: { label: "Update payment method", url: d.updatePaymentUrl },
      footnote: "If you've already updated your card, you can ignore this email.",
    }),
  }),

  "dispute-opened-learner": define({
    schema: disputeOpened,
    render: (d) => ({
      subject: `Your bank disputed your payment for ${d.item}`,
      preheader: `While the dispute is open, ${d.paused} is paused.`,
      heading: "Your payment is being disputed",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        `Your bank told us that you disputed the payment of ${formatAmount(d.amount, d.currency)} for ${d.item}. While the dispute is open, ${d.paused} is paused.`,
        "If you didn't mean to dispute it (or you recognise the charge now), ask your bank to withdraw the dispute: your access comes back as soon as the bank closes it in our favour. If something went wrong with your purchase, reply to this email and we'll put it right, with a refund if that is what you want.",
      ],
      facts: [
        ["Item", d.item],
        ["Disputed", formatAmount(d.amount, d.currency)],
        ["Dispute opened", formatDateTime(d.openedAt)],
        ["Payment ID", d.paymentId],
      ],
      button: { label: "View the payment", url: d.receiptUrl },
      footnote: "Disputes are decided by your bank, usually within 60 to 75 days.",
    }),
  }),

  "dispute-opened-instructor": define({
    schema: disputeInstructor,
    render: (d) => ({
      subject: `A sale of ${d.courseTitle} is disputed`,
      preheader:
        d.earning === "frozen"
          ? `Your earning of ${formatAmount(d.earningAmount, d.currency)} is frozen until the bank decides.`
          : `Your earning of ${formatAmount(d.earningAmount, d.currency)} will be recovered from your next payouts unless we win.`,
      heading: "A sale is disputed",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        `A learner's bank disputed their payment of ${formatAmount(d.amount, d.currency)} for ${d.courseTitle}. Their access is paused while the dispute is open, and we answer the bank with the evidence from our records.`,
        d.earning === "frozen"
          ? `Your earning from this sale (${formatAmount(d.earningAmount, d.currency)}) was still in its hold: it is frozen until the bank decides. If we win, it is paid out as usual; if we lose, it is reversed as for a refund.`
          : `Your earning from this sale (${formatAmount(d.earningAmount, d.currency)}) was already paid out: it is recovered from your next earnings (your balance can show a negative amount carried forward). If we win, it is given back in full.`,
      ],
      facts: [
        ["Course", d.courseTitle],
        ["Disputed", formatAmount(d.amount, d.currency)],
        ["Your earning", formatAmount(d.earningAmount, d.currency)],
        ["Dispute opened", formatDateTime(d.openedAt)],
      ],
      button: { label: "See your earnings", url: d.earningsUrl },
    }),
  }),

  "dispute-evidence-due": define({
    schema: disputeEvidenceDue,
    render: (d) => ({
      subject: d.daysLeft <= 3 ? `Dispute evidence due in ${d.daysLeft === 1 ? "1 day" : `${d.daysLeft} days`}: ${d.item}` : `New dispute: evidence due ${formatDate(d.dueBy)}`,
      preheader: `${formatAmount(d.amount, d.currency)} for ${d.item} is disputed (${d.reason}). Submit evidence before ${formatDateTime(d.dueBy)}.`,
      heading: d.daysLeft <= 3 ? "Dispute evidence due soon" : "A payment is disputed",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        `A payment of ${formatAmount(d.amount, d.currency)} for ${d.item} is disputed (${d.reason}).`,
        `Evidence is due by ${formatDateTime(d.dueBy)} (${d.daysLeft === 0 ? "today" : d.daysLeft === 1 ? "in 1 day" : `in ${d.daysLeft} days`}). "Prepare evidence" on the disputes page fills the bank's form from our records for you to check and submit; without a response the dispute is lost.`,
      ],
      facts: [
        ["Item", d.item],
        ["Disputed", formatAmount(d.amount, d.currency)],
        ["Reason", d.reason],
        ["Evidence due", formatDateTime(d.dueBy)],
      ],
      button: { label: "Prepare evidence", url: d.disputeUrl },
    }),
  }),

  "signup-confirm": define({
    schema: signupConfirm,
    secrets: ["confirmUrl"],
    render: (d) => ({
      subject: "Confirm your email to finish signing up for Coursemint",
      preheader: "One click and your Coursemint account is ready.",
      heading: "Confirm your email",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        "Thanks for signing up for Coursemint. Confirm that this is your email address to create your account and sign in.",
        `The link works once and expires on ${formatDateTime(d.expiresAt)}.`,
      ],
      button: { label: "Confirm my email", url: d.confirmUrl },
      footnote: "If you didn't sign up for Coursemint, ignore this email: no account is created and nothing else happens.",
    }),
  }),

  "signup-existing-account": define({
    schema: signupExistingAccount,
    render: (d) => ({
      subject: "Someone tried to sign up for Coursemint with your email",
      preheader: "You already have an account: log in instead.",
      heading: "You already have an account",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        "Someone (probably you) just tried to create a new Coursemint account with this email address. You already have an account, so no new one was created.",
        "To continue, log in with your existing password. If you can't remember it, choose a new one with “Forgot your password?” on the log-in page.",
      ],
      button: { label: "Log in", url: d.loginUrl },
      footnote: "If this wasn't you, you can ignore this email: your account and password have not changed.",
    }),
  }),

  "password-reset": define({
    schema: passwordReset,
    secrets: ["resetUrl"],
    render: (d) => ({
      subject: "Reset your Coursemint password",
      preheader: "Use this link to choose a new password. It works once, for one hour.",
      heading: "Choose a new password",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        "We received a request to reset the password of your Coursemint account. Open the link to choose a new one.",
        `The link works once and expires on ${formatDateTime(d.expiresAt)}. Choosing a new password signs out every device signed in to your account.`,
      ],
      button: { label: "Choose a new password", url: d.resetUrl },
      footnote: "If you didn't ask for this, ignore this email: your password stays the same and the link expires on its own.",
    }),
  }),

  "password-changed": define({
    schema: passwordChanged,
    render: (d) => ({
      subject: "Your Coursemint password was changed",
      preheader: `Your password was changed on ${formatDateTime(d.changedAt)}, and other devices were signed out.`,
      heading: "Your password was changed",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        d.via === "account"
          ? `The password of your Coursemint account was changed on your account page on ${formatDateTime(d.changedAt)}. Every other device that was signed in has been signed out.`
          : `The password of your Coursemint account was changed with a reset link on ${formatDateTime(d.changedAt)}. Every device that was signed in has been signed out.`,
        "If it wasn't you, choose a new password at once with “Forgot your password?” on the log-in page, then reply to this email so we can help. Your personal API keys keep working until you revoke them on your account page.",
      ],
      facts: [["Changed", formatDateTime(d.changedAt)]],
      button: { label: "Review your account", url: d.accountUrl },
      footnote: "If you changed it yourself, there is nothing else to do.",
    }),
  }),

  "organization-invitation": define({
    schema: organizationInvitation,
    secrets: ["acceptUrl"],
    render: (d) => ({
      subject: `${d.inviterName} invited you to join ${d.organization} on Coursemint`,
      preheader: `Accept to get ${d.organization}'s Coursemint plan. The link works once, until ${formatDate(d.expiresAt)}.`,
      heading: `Join ${d.organization}`,
      greeting: "Hi,",
      paragraphs: [
        `${d.inviterName} invited you to join ${d.organization} on Coursemint as ${d.role === "admin" ? "an admin" : "a member"}. Members get the organization's plan: member prices on courses, certificates and offline downloads.`,
        "If you don't have a Coursemint account with this address yet, the link lets you create one first.",
        `The link works once and expires on ${formatDateTime(d.expiresAt)}.`,
      ],
      button: { label: "Accept the invitation", url: d.acceptUrl },
      footnote: `If you weren't expecting this, ignore this email: nothing happens unless you accept.`,
    }),
  }),

  "organization-member-joined": define({
    schema: organizationMemberJoined,
    render: (d) => ({
      subject: `${d.memberName} joined ${d.organization}`,
      preheader: `${d.seatsUsed} of ${d.seatsLimit} seats are now used.`,
      heading: "A new member joined",
      greeting: `Hi ${d.name},`,
      paragraphs: [`${d.memberName} (${d.memberEmail}) accepted the invitation and joined ${d.organization}.`],
      facts: [
        ["Member", `${d.memberName} (${d.memberEmail})`],
        ["Seats used", `${d.seatsUsed} of ${d.seatsLimit}`],
      ],
      button: { label: "See members", url: d.membersUrl },
    }),
  }),

  "organization-member-removed": define({
    schema: organizationMemberRemoved,
    render: (d) => ({
      subject: `You were removed from ${d.organization} on Coursemint`,
      preheader: `Your seat in ${d.organization} ended on ${formatDate(d.removedAt)}.`,
      heading: `You are no longer a member of ${d.organization}`,
      greeting: `Hi ${d.name},`,
      paragraphs: [
        `An administrator of ${d.organization} removed you from the organization on ${formatDateTime(d.removedAt)}, so its plan no longer applies to you.`,
        d.ownPlan
          ? `You keep your own ${d.ownPlan} plan. Your courses, progress and certificates stay in your account.`
          : "Your courses, progress and certificates stay in your account. Member prices, new certificates and offline downloads need a plan of your own from now on.",
      ],
      button: { label: "See plans", url: d.pricingUrl },
    }),
  }),

  "organization-seat-ended": define({
    schema: organizationSeatEnded,
    render: (d) => ({
      subject: `Your seat in ${d.organization} has ended`,
      preheader: `${d.organization}'s plan no longer applies to your Coursemint account.`,
      heading: "Your organization seat has ended",
      greeting: `Hi ${d.name},`,
      paragraphs: [
        `Your seat in ${d.organization} ended on ${formatDateTime(d.endedAt)} because ${d.reason}.`,
        "Your courses, progress and certificates stay in your account. Member prices, new certificates and offline downloads need a plan again: ask your organization's administrator, or choose a plan of your own.",
      ],
      button: { label: "See plans", url: d.pricingUrl },
    }),
  }),
} as const;

export type EmailTemplateName = keyof typeof EMAIL_TEMPLATES;
export const EMAIL_TEMPLATE_NAMES = Object.keys(EMAIL_TEMPLATES) as [EmailTemplateName, ...EmailTemplateName[]];
/** What a producer passes for a template (before defaults are applied). */
export type EmailTemplateInput<T extends EmailTemplateName> = z.input<(typeof EMAIL_TEMPLATES)[T]["schema"]>;

export function isTemplateName(name: unknown): name is EmailTemplateName {
  return typeof name === "string" && Object.hasOwn(EMAIL_TEMPLATES, name);
}

export type TemplateCheck =
  | { ok: true; data: Record<string, unknown> }
  | { ok: false; reason: string; fields: Record<string, string[]> };

/** Validates data for a template; the reason names the bad fields (never their values). */
export function checkTemplateData(template: EmailTemplateName, data: unknown): TemplateCheck {
  const result = EMAIL_TEMPLATES[template].schema.safeParse(data);
  if (result.success) return { ok: true, data: result.data as Record<string, unknown> };
  const fields: Record<string, string[]> = {};
  for (const issue of result.error.issues) (fields[issue.path.join(".") || "_data"] ??= []).push(issue.message);
  return { ok: false, reason: `invalid data for ${template}: ${Object.keys(fields).join(", ")}`, fields };
}

/** Renders already-checked data. Throws on invalid data: check first. */
export function renderEmail(template: EmailTemplateName, data: unknown, appUrl: string, brand?: EmailBrand | null): RenderedEmail {
  const def = EMAIL_TEMPLATES[template] as Def<z.ZodType>;
  return renderLayout(def.render(def.schema.parse(data)), appUrl, brand);
}

/** What stays stored of a sent email's data: its template's secret fields are blanked (the recipient has the link; nobody else needs it). */
export function withoutSecrets(template: string | null, data: Record<string, unknown> | null): Record<string, unknown> | null {
  const secrets = template && isTemplateName(template) ? (EMAIL_TEMPLATES[template] as Def<z.ZodType>).secrets : undefined;
  if (!secrets || !data) return data;
  return { ...data, ...Object.fromEntries(secrets.map((field) => [field, SECRET_REMOVED])) };
}
export const SECRET_REMOVED = "(removed once sent)";

/**
 * The self-service refund policy for course purchases: the one place its rules live (typed config,
 * docs/marketplace.md "Self-service refunds"). Plain constants and words, safe in browser code: the
 * course page and the receipt show `refundPolicyWords()`, and the service evaluates the same
 * numbers inside its D1 batch (refund-requests.server.ts).
 */
import { DAY } from "~/utils/clock";
import type { RefundRefusal } from "~drizzle/schema/enums";

export type RefundPolicy = {
  /** A learner may ask within this many days of the payment. */
  windowDays: number;
  /** Refused when more than this share of the course's modules is completed (basis points: 3000 = 30 %). */
  maxCompletedShareBps: number;
  /** Refused once the course is completed: its certificate of completion exists (cert_<enrollment id>). */
  refuseAfterCertificate: boolean;
  /** Refused when the learner already had this many self-service refunds in the last 12 months. */
  maxRefundsPer12Months: number;
  /** A refused request may be sent to an admin, who approves (refunds) or declines it. */
  reviewQueue: boolean;
};

export const REFUND_POLICY = {
  windowDays: 30,
  maxCompletedShareBps: 3000,
  refuseAfterCertificate: true,
  maxRefundsPer12Months: 3,
  reviewQueue: true,
} as const satisfies RefundPolicy;

export const REFUND_LIMIT_PERIOD_MS = 365 * DAY;
export const refundWindowMs = (policy: RefundPolicy = REFUND_POLICY) => policy.windowDays * DAY;

const percent = (bps: number) => `${bps / 100}%`;

/** The policy as a learner reads it (course page, receipt, API reference). */
export function refundPolicyWords(policy: RefundPolicy = REFUND_POLICY) {
  return {
    summary: `${policy.windowDays}-day refunds: ask for your money back within ${policy.windowDays} days of buying a course, from its page or your receipt.`,
    rules: [
      `You get a full refund at once if you have completed no more than ${percent(policy.maxCompletedShareBps)} of the course's modules${policy.refuseAfterCertificate ? " and have not completed the course (earning its certificate)" : ""}.`,
      `After ${policy.maxRefundsPer12Months} refunds in 12 months, further requests are not granted automatically.`,
      policy.reviewQueue ? "A request the rules refuse can be sent to our team, who reply by email." : "Requests the rules refuse are final.",
      "A refund ends your access to the course.",
    ],
  };
}

export type RefusalFacts = { windowEndsAt: number; completedModules: number; totalModules: number; recentRefunds: number };

/** Why a request was refused, in words. */
export function refusalWords(refusal: RefundRefusal, facts: RefusalFacts, policy: RefundPolicy = REFUND_POLICY, formatDate: (ms: number) => string = (ms) => new Date(ms).toISOString().slice(0, 10)) {
  switch (refusal) {
    case "window":
      return `The ${policy.windowDays}-day refund window for this purchase ended on ${formatDate(facts.windowEndsAt)}.`;
    case "certificate":
      return "You completed the course and earned its certificate of completion.";
    case "progress":
      return `You completed ${facts.completedModules} of ${facts.totalModules} modules, more than the ${percent(policy.maxCompletedShareBps)} a refund allows.`;
    case "refund_limit":
      return `You already had ${facts.recentRefunds} refunds in the last 12 months (the limit is ${policy.maxRefundsPer12Months}).`;
  }
}

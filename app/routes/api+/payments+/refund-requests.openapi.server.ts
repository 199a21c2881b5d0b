import * as z from "zod";
import { currency, defineRoute, errorExample, idOf, money, timestamp } from "~/modules/openapi/define.server";
import { refundPolicyWords } from "~/modules/marketplace/refund-policy";
import { refundRequestSchema } from "~/modules/marketplace/refund-requests.server";
import { REFUND_REFUSALS, REFUND_REQUEST_STATUSES, REFUND_STATUSES } from "~drizzle/schema/enums";

const requestShape = z
  .object({
    id: idOf("rrq"),
    paymentId: idOf("pay"),
    courseId: idOf("crs"),
    status: z.enum(REFUND_REQUEST_STATUSES).meta({ description: "granted (refunded at once), refused (by a rule), in_review, approved, declined (after review), failed (Stripe refused the refund; ask again)" }),
    refusal: z.enum(REFUND_REFUSALS).nullable().meta({ description: "The rule that refused it: window, certificate, progress or refund_limit" }),
    refusalReason: z.string().nullable().meta({ description: "The refusal in words, for the learner" }),
    amount: money(),
    currency,
    reason: z.string(),
    refundId: idOf("ref").nullable(),
    reviewNote: z.string().nullable(),
    decisionNote: z.string().nullable(),
    createdAt: timestamp,
    reviewRequestedAt: timestamp.nullable(),
    decidedAt: timestamp.nullable(),
  })
  .meta({ id: "RefundRequest" });

const outcomeShape = z.object({
  request: requestShape,
  refund: z.object({ id: idOf("ref"), amount: money(), currency, status: z.enum(REFUND_STATUSES) }).nullable(),
  created: z.boolean(),
});

const EXAMPLE_REQUEST = {
  id: "rrq_01jdxa7q2m3n4p5r6s7t8v9w0x",
  paymentId: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x",
  courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x",
  status: "granted",
  refusal: null,
  refusalReason: null,
  amount: 4999,
  currency: "usd",
  reason: "Not what I expected",
  refundId: "ref_01jdxa7q2m3n4p5r6s7t8v9w0x",
  reviewNote: null,
  decisionNote: null,
  createdAt: 1795750000000,
  reviewRequestedAt: null,
  decidedAt: null,
};

export default defineRoute("/api/payments/refund-requests", {
  post: {
    capability: "Payments",
    summary: "Ask for a refund of a course purchase (self-service)",
    description:
      `A learner asks for a refund of what is left of one of their own course purchases. The refund policy decides at once: ${[refundPolicyWords().summary, ...refundPolicyWords().rules].join(" ")} ` +
      "Granted: the refund is made through the same path as an admin refund (the amount reserved atomically, Stripe's idempotency key from our refund id) and the course access ends; " +
      "`refund.status` is `pending` if Stripe's answer was lost (the webhook sync settles it). Refused: the request is recorded with `refusal` and `refusalReason`; send `review: true` " +
      "(now, or later for the same payment) to put it in the admins' review queue. The decision and the request are one D1 batch with one live request per payment, so repeated or " +
      "concurrent calls make one request and one refund: a call for a payment that already has a request answers `200` with that request (`created: false`).",
    auth: { kind: "signed_in", permission: "create:refund:own" },
    idempotent: true,
    body: { schema: refundRequestSchema },
    responses: {
      201: { description: "This call made the request: granted (with its refund) or refused (with the reason).", schema: outcomeShape },
      200: { description: "The payment already had a request: that one (sent to review if `review` was true and it was refused).", schema: outcomeShape },
    },
    errors: {
      400: ["bad_request", "validation_failed"],
      401: ["unauthenticated"],
      403: ["forbidden", "csrf_failed"],
      404: ["not_found"],
      409: ["conflict", "idempotency_conflict"],
    },
    examples: [
      {
        name: "granted",
        summary: "Within the window, little of the course done: refunded at once",
        as: "student",
        headers: { "Idempotency-Key": "refund-request-pay_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        body: { paymentId: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x", reason: "Not what I expected" },
        status: 201,
        response: { request: EXAMPLE_REQUEST, refund: { id: "ref_01jdxa7q2m3n4p5r6s7t8v9w0x", amount: 4999, currency: "usd", status: "succeeded" }, created: true },
      },
      {
        name: "not_yours",
        summary: "Another learner's payment (or none)",
        as: "student",
        body: { paymentId: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        status: 404,
        response: errorExample("not_found", "Payment not found."),
      },
      {
        name: "invalid",
        summary: "Not a payment id",
        as: "student",
        body: { paymentId: "42" },
        status: 400,
      },
    ],
  },
});

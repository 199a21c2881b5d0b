import * as z from "zod";
import { defineRoute, errorExample, FORBIDDEN } from "~/modules/openapi/define.server";
import { PAYMENT_EXAMPLE, paymentShape, refundShape } from "~/modules/openapi/shapes.server";
import { refundSchema } from "~/modules/payments/refunds.server";

export default defineRoute("/api/payments/refund", {
  post: {
    capability: "Payments",
    summary: "Refund a payment (admin)",
    description:
      "Refunds all that is left (omit `amount`) or part of a paid payment. The amount is reserved atomically, so concurrent requests never over-refund. " +
      "Audited (`payment.refunded`); the purpose's reversal runs (course access removed on a full refund) and the payer gets an email. " +
      "More than what is left → 400 naming `amount`; nothing left or not paid → 409. When Stripe's answer is lost the refund stays `pending` (its amount stays reserved) and the answer is 503; " +
      "the `charge.refunded` sync settles it by our refund id.",
    auth: { kind: "signed_in", permission: "create:refund:any" },
    idempotent: true,
    body: { schema: refundSchema },
    responses: {
      200: { description: "The refund and the payment after it.", schema: z.object({ refund: refundShape, payment: paymentShape }) },
    },
    errors: {
      400: ["bad_request", "validation_failed"],
      401: ["unauthenticated"],
      403: ["forbidden", "csrf_failed"],
      404: ["not_found"],
      409: ["conflict", "idempotency_conflict"],
      503: ["upstream_unavailable"],
    },
    examples: [
      {
        name: "partial",
        summary: "Refund $10.00 of a payment",
        as: "admin",
        headers: { "Idempotency-Key": "refund-pay_01jdxa7q2m3n4p5r6s7t8v9w0x-1" },
        body: { paymentId: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x", amount: 1000, reason: "Requested by the learner" },
        status: 200,
        response: {
          refund: { id: "ref_01jdxa7q2m3n4p5r6s7t8v9w0x", paymentId: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x", amount: 1000, currency: "usd", reason: "Requested by the learner", status: "succeeded", taxAmount: 0, createdAt: 1795750000000 },
          payment: { ...PAYMENT_EXAMPLE, status: "partially_refunded", amountRefunded: 1000, amountRefundable: 3999 },
        },
      },
      {
        name: "unknown",
        summary: "No such payment",
        as: "admin",
        body: { paymentId: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x", reason: "Duplicate charge" },
        status: 404,
        response: errorExample("not_found", "Payment not found."),
      },
      { name: "forbidden", summary: "Not an admin", as: "student", body: { paymentId: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x", reason: "Please" }, status: 403, response: FORBIDDEN },
    ],
  },
});

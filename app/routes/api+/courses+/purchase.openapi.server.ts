import * as z from "zod";
import { purchaseInputSchema } from "~/modules/marketplace/checkout.server";
import { defineRoute, errorExample, idOf } from "~/modules/openapi/define.server";
import { PAYMENT_START_ERRORS, paymentStartedShape } from "~/modules/openapi/shapes.server";

const courseId = "crs_01jdxa7q2m3n4p5r6s7t8v9w0x";

export default defineRoute("/api/courses/purchase", {
  post: {
    capability: "Marketplace",
    summary: "Buy or enroll in a course",
    description:
      "Already enrolled (or the course's instructor): 200, nothing charged. A free course: 201 `enrolled`. A paid course: 201 `payment_started` — " +
      "follow `payment.nextAction`; access is granted when Stripe confirms the payment (webhook). Pro and Enterprise discounts apply. " +
      "`promotionCode` (case-insensitive) applies a code after the tier discount and before tokens (docs/decisions/012-price-breakdown-and-coupons.md); " +
      "a code that does not apply is a 4xx in words (`This code is for another course.`, `This code expired on 3 March.`, 429 after 10 misses in 15 minutes) and nothing is reserved.",
    auth: { kind: "signed_in", permission: "create:enrollment:own" },
    idempotent: true,
    body: { schema: purchaseInputSchema },
    responses: {
      200: { description: "Already enrolled; nothing charged.", schema: z.object({ status: z.literal("already_enrolled"), courseId: idOf("crs") }) },
      201: {
        description: "Enrolled in a free course, or a payment started.",
        schema: z.discriminatedUnion("status", [
          z.object({ status: z.literal("enrolled"), courseId: idOf("crs") }),
          z.object({ status: z.literal("payment_started"), courseId: idOf("crs"), payment: paymentStartedShape }),
        ]),
      },
    },
    errors: PAYMENT_START_ERRORS,
    examples: [
      {
        name: "paid",
        summary: "A paid course: go to Checkout",
        as: "student",
        headers: { "Idempotency-Key": "purchase-crs_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        body: { courseId },
        status: 201,
        response: {
          status: "payment_started",
          courseId,
          payment: { paymentId: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x", status: "requires_action", amount: 4999, currency: "usd", nextAction: { type: "redirect_to_checkout", url: "https://checkout.stripe.com/c/pay/cs_test_a1b2c3" } },
        },
      },
      { name: "free", summary: "A free course: enrolled at once", as: "student", body: { courseId }, status: 201, response: { status: "enrolled", courseId } },
      { name: "already_enrolled", summary: "Already enrolled", as: "student", body: { courseId }, status: 200, response: { status: "already_enrolled", courseId } },
      { name: "unknown", summary: "No such course", as: "student", body: { courseId }, status: 404, response: errorExample("not_found", "Course not found.") },
    ],
  },
});

import { defineRoute, errorExample, UNAUTHENTICATED } from "~/modules/openapi/define.server";
import { PAYMENT_START_ERRORS, paymentStartedShape } from "~/modules/openapi/shapes.server";
import { processBodySchema } from "~/modules/payments/process.server";
import { paymentRegistry } from "~/capabilities.server";

export default defineRoute("/api/payments/process", {
  post: {
    capability: "Payments",
    summary: "Start a payment",
    description:
      "Starts a payment for a purpose: our record is written first, then Stripe's Checkout Session (`flow: checkout`, default) or PaymentIntent " +
      "(`flow: payment_method` with `paymentMethod`). Purpose fields: `course_purchase` needs `courseId` and may offer reward `tokens`; each purpose " +
      "accepts exactly its documented fields, and an unknown field is 400 `validation_failed`. One payment is open per buyer, purpose and " +
      "reference: another Checkout request for the same thing answers 201 with the **same** payment and URL; a card payment while one is open is 409 " +
      "with `details.paymentId`. A decline is 402 with a payer-friendly message. 503 when Stripe's answer was lost: the payment stays reserved " +
      "(`requires_action`), a retry reuses it with the same Stripe idempotency key, the webhook sync settles it, and a cron cancels one Stripe never saw " +
      "after an hour. An `Idempotency-Key` whose first request is still running is 409 for up to 60 s (then a retry takes it over). If two payments for " +
      "one course both succeed, the second books no sale and is refunded in full automatically.",
    auth: { kind: "signed_in", permission: "create:payment:own" },
    idempotent: true,
    body: { schema: processBodySchema(paymentRegistry) },
    responses: { 201: { description: "The payment and what to do next.", schema: paymentStartedShape } },
    errors: PAYMENT_START_ERRORS,
    examples: [
      {
        name: "checkout",
        summary: "Buy a course through Checkout",
        as: "student",
        headers: { "Idempotency-Key": "buy-crs_01jdxa7q2m3n4p5r6s7t8v9w0x-1" },
        body: { purpose: "course_purchase", courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", flow: "checkout" },
        status: 201,
        response: {
          paymentId: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x",
          status: "requires_action",
          amount: 4999,
          currency: "usd",
          nextAction: { type: "redirect_to_checkout", url: "https://checkout.stripe.com/c/pay/cs_test_a1b2c3" },
        },
      },
      {
        name: "card",
        summary: "Pay with a saved card",
        as: "student",
        body: { purpose: "course_purchase", courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", flow: "payment_method", paymentMethod: "pm_card_visa" },
        status: 201,
        response: { paymentId: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x", status: "processing", amount: 4999, currency: "usd", nextAction: { type: "none" } },
      },
      {
        name: "declined",
        summary: "The card is declined",
        as: "student",
        body: { purpose: "course_purchase", courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", flow: "payment_method", paymentMethod: "pm_card_chargeDeclinedInsufficientFunds" },
        status: 402,
        response: errorExample("payment_required", "Your card was declined: insufficient funds.", { paymentId: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x" }),
      },
      {
        name: "invalid",
        summary: "Unknown purpose",
        as: "student",
        body: { purpose: "gift_card" },
        status: 400,
        response: errorExample("validation_failed", "Some fields are invalid.", { fieldErrors: { purpose: ["purpose must be one of course_purchase, subscription"] } }),
      },
      {
        name: "unknown_field",
        summary: "A field the purpose does not take",
        as: "student",
        body: { purpose: "course_purchase", courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", amount: 1 },
        status: 400,
        response: errorExample("validation_failed", "Some fields are invalid.", { fieldErrors: { _form: ['Unrecognized key: "amount"'] } }),
      },
      { name: "anonymous", summary: "No credentials", as: "anonymous", body: { purpose: "course_purchase", courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x" }, status: 401, response: UNAUTHENTICATED },
    ],
  },
});

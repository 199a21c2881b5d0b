import * as z from "zod";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { PAYMENT_EXAMPLE, paymentWithRefunds } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/payments/{paymentId}", {
  get: {
    capability: "Payments",
    summary: "One payment",
    description: "One of your payments with its refunds (admins: anyone's). Other users' payments are 404.",
    auth: { kind: "signed_in", permission: "read:payment:own" },
    params: z.object({ paymentId: z.string().meta({ example: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x" }) }),
    responses: { 200: { description: "The payment.", schema: z.object({ payment: paymentWithRefunds }) } },
    errors: { 401: ["unauthenticated"], 404: ["not_found"] },
    examples: [
      { name: "ok", summary: "Your payment", as: "student", params: { paymentId: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x" }, status: 200, response: { payment: { ...PAYMENT_EXAMPLE, refunds: [] } } },
      { name: "not_yours", summary: "Unknown or someone else's", as: "student", params: { paymentId: "pay_01jdxa7q2m3n4p5r6s7t8v9w0x" }, status: 404, response: errorExample("not_found", "Payment not found.") },
    ],
  },
});

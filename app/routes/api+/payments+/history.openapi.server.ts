import { defineRoute, errorExample, page } from "~/modules/openapi/define.server";
import { PAYMENT_EXAMPLE, paymentWithRefunds } from "~/modules/openapi/shapes.server";
import { historySchema } from "~/modules/payments/history.server";

export default defineRoute("/api/payments/history", {
  get: {
    capability: "Payments",
    summary: "Your payment history",
    description: "Your payments, newest first, each with its refunds. `from`/`to` are UTC days. `userId` of someone else needs an admin (403 otherwise).",
    auth: { kind: "signed_in", permission: "read:payment:own", note: "Admins (`read:payment:any`) may pass `userId`." },
    paginated: true,
    query: historySchema,
    responses: { 200: { description: "A page of payments.", schema: page(paymentWithRefunds) } },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"], 403: ["forbidden"] },
    examples: [
      { name: "ok", summary: "Succeeded payments", as: "student", query: { status: "succeeded", limit: "20" }, status: 200, response: { items: [{ ...PAYMENT_EXAMPLE, refunds: [] }], nextCursor: null } },
      {
        name: "someone_else",
        summary: "Another user's history",
        as: "student",
        query: { userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x" },
        status: 403,
        response: errorExample("forbidden", "You can only see your own payments."),
      },
      {
        name: "bad_status",
        summary: "Unknown status",
        as: "student",
        query: { status: "paid" },
        status: 400,
      },
    ],
  },
});

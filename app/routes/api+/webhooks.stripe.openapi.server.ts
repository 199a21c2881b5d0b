import * as z from "zod";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";

export default defineRoute("/api/webhooks/stripe", {
  post: {
    capability: "Payments",
    summary: "Stripe's webhook endpoint",
    description:
      "Stripe posts signed events here. The `Stripe-Signature` header is verified over the raw body (tolerance 5 minutes): missing, forged or stale → 400, " +
      "and so is a signed body that is not a Stripe event. The event is stored once by id, queued, and acknowledged; the consumer re-reads the object " +
      "from Stripe, so duplicates and out-of-order events converge on Stripe's state. Unknown types are acknowledged and recorded as ignored.",
    auth: { kind: "stripe_signature" },
    body: { schema: z.object({ id: z.string().meta({ example: "evt_1Qx" }), type: z.string(), data: z.object({ object: z.unknown() }) }).loose().meta({ description: "A Stripe event, as Stripe signs it." }) },
    responses: { 200: { description: "Stored (or already stored) and queued.", schema: z.object({ received: z.literal(true), duplicate: z.boolean().optional() }) } },
    errors: { 400: ["bad_request"], 413: ["payload_too_large"] },
    examples: [
      {
        name: "ok",
        summary: "A signed event",
        as: "anonymous",
        headers: { "Stripe-Signature": "t=1795750000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd" },
        body: { id: "evt_1QxExample", object: "event", type: "payment_intent.succeeded", created: 1795750000, data: { object: { id: "pi_1QxExample", object: "payment_intent" } } },
        status: 200,
        response: { received: true },
      },
      {
        name: "unsigned",
        summary: "No signature",
        as: "anonymous",
        body: { id: "evt_1QxExample", object: "event", type: "payment_intent.succeeded", data: { object: {} } },
        status: 400,
        response: errorExample("bad_request", "Missing Stripe-Signature header."),
      },
    ],
  },
});

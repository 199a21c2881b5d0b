import * as z from "zod";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { PRO_SUBSCRIPTION_EXAMPLE, PRO_TRIAL_EXAMPLE, subscriptionShape } from "~/modules/openapi/shapes.server";
import { createSchema } from "~/modules/subscriptions/lifecycle.server";

export default defineRoute("/api/subscriptions/create", {
  post: {
    capability: "Subscriptions",
    summary: "Start a paid plan",
    description:
      "`flow: checkout` (default) answers the hosted Checkout URL; the subscription appears when Stripe's webhook arrives. `flow: payment_method` " +
      "creates it with the card and charges the first period now (402 on a decline). One start is open per user: parallel Checkout requests for the " +
      "same plan get the same URL. 409 if you already have a plan (use update).\n\n" +
      "**Free trials** (`trial: true`, the plan's `trialDays`: 14 on Pro, none on Enterprise): `flow: no_card` starts it without a card, " +
      "`flow: payment_method` with one; either answers `status: trialing` and nothing is charged now. Three days before the end the learner is " +
      "emailed; at the end a card is charged (the first period) and a trial without one is canceled (or paused, per `TRIAL_POLICY`). One trial per " +
      "account and per card (Stripe's card fingerprint): a second is 409, also when two start at once. Cancelling during the trial charges nothing.",
    auth: { kind: "signed_in", permission: "create:subscription:own" },
    idempotent: true,
    body: { schema: createSchema },
    responses: {
      201: {
        description: "Checkout to complete, or the active subscription.",
        schema: z.discriminatedUnion("status", [
          z.object({ status: z.literal("requires_action"), nextAction: z.object({ type: z.literal("redirect_to_checkout"), url: z.string() }) }),
          z.object({ status: z.enum(["active", "trialing"]), subscription: subscriptionShape }),
        ]),
      },
    },
    errors: {
      400: ["bad_request", "validation_failed"],
      401: ["unauthenticated"],
      402: ["payment_required"],
      403: ["forbidden", "csrf_failed"],
      409: ["conflict", "idempotency_conflict"],
      503: ["upstream_unavailable"],
    },
    examples: [
      {
        name: "card",
        summary: "Pro monthly with a card",
        as: "student",
        headers: { "Idempotency-Key": "subscribe-pro-month-1" },
        body: { tier: "pro", interval: "month", flow: "payment_method", paymentMethod: "pm_card_visa" },
        status: 201,
        response: { status: "active", subscription: PRO_SUBSCRIPTION_EXAMPLE },
      },
      {
        name: "checkout",
        summary: "Pro yearly through Checkout",
        as: "student",
        body: { tier: "pro", interval: "year" },
        status: 201,
        response: { status: "requires_action", nextAction: { type: "redirect_to_checkout", url: "https://checkout.stripe.com/c/pay/cs_test_a1b2c3" } },
      },
      {
        name: "trial",
        summary: "Pro's 14-day free trial without a card",
        as: "student",
        headers: { "Idempotency-Key": "trial-pro-month-1" },
        body: { tier: "pro", interval: "month", trial: true, flow: "no_card" },
        status: 201,
        response: { status: "trialing", subscription: PRO_TRIAL_EXAMPLE },
      },
      {
        name: "trial-used",
        summary: "A second free trial",
        as: "student",
        body: { tier: "pro", interval: "month", trial: true, flow: "no_card" },
        status: 409,
        response: errorExample("conflict", "You have already had a free trial. Free trials are one per person; choose a plan to subscribe."),
      },
      {
        name: "invalid",
        summary: "Free is not a paid tier",
        as: "student",
        body: { tier: "free" },
        status: 400,
        response: errorExample("validation_failed", "Some fields are invalid.", { fieldErrors: { tier: ["tier must be pro or enterprise"] } }),
      },
    ],
  },
});

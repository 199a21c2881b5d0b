import * as z from "zod";
import { currency, defineRoute, errorExample, money, timestamp } from "~/modules/openapi/define.server";
import { PAYMENT_START_ERRORS, PRO_SUBSCRIPTION_EXAMPLE, subscriptionShape } from "~/modules/openapi/shapes.server";
import { changeSchema } from "~/modules/subscriptions/proration.server";
import { BILLING_INTERVALS, PAID_TIERS } from "~drizzle/schema/enums";

const plan = z.object({ tier: z.enum(PAID_TIERS), interval: z.enum(BILLING_INTERVALS) });
const preview = z
  .object({
    kind: z.enum(["upgrade", "downgrade", "interval_switch", "keep_current"]),
    from: plan,
    to: plan,
    effective: z.enum(["immediate", "period_end"]),
    effectiveAt: timestamp,
    lines: z.array(z.object({ description: z.string(), amount: money() })),
    amountDue: money("Charged now, after account credit."),
    creditAfter: money("Credit left for future invoices."),
    currency,
    nextRenewal: z.object({ amount: money(), at: timestamp }),
    prorationDate: z.number().int().meta({ description: "Epoch seconds; send it back to apply the change at exactly this price (valid 30 minutes)." }),
    resumesRenewal: z.boolean().meta({ description: "true when the subscription is set to end and applying this change makes it renew again." }),
  })
  .meta({ id: "PlanChangePreview" });

const PREVIEW = {
  kind: "upgrade",
  from: { tier: "pro", interval: "month" },
  to: { tier: "enterprise", interval: "month" },
  effective: "immediate",
  effectiveAt: 1795750000000,
  lines: [
    { description: "Unused time on Pro (monthly)", amount: -950 },
    { description: "Remaining time on Enterprise (monthly)", amount: 2450 },
  ],
  amountDue: 1500,
  creditAfter: 0,
  currency: "usd",
  nextRenewal: { amount: 4900, at: 1798342000000 },
  prorationDate: 1795750000,
  resumesRenewal: false,
};

export default defineRoute("/api/subscriptions/update", {
  put: {
    capability: "Subscriptions",
    summary: "Change plan or billing interval",
    description:
      "`preview: true` computes the exact prorated amount without changing anything; sending its `prorationDate` back applies the change and charges " +
      "exactly `preview.amountDue`. Upgrades and interval switches apply now; downgrades at period end (same interval only, else 422); choosing the " +
      "current plan while a downgrade is scheduled keeps it (`keep_current`). 404 no paid plan, 409 already on that plan, 422 expired preview or past due.",
    auth: { kind: "signed_in", permission: "update:subscription:own" },
    idempotent: true,
    body: { schema: changeSchema },
    responses: {
      200: {
        description: "The preview, and when applied the charge and the plan after it.",
        schema: z.object({ preview, applied: z.boolean(), charged: z.object({ amount: money(), currency, invoiceId: z.string().nullable() }).nullable(), subscription: subscriptionShape }),
      },
    },
    errors: { ...PAYMENT_START_ERRORS, 422: ["unprocessable"] },
    examples: [
      {
        name: "preview",
        summary: "What would Enterprise cost now?",
        as: "student",
        body: { tier: "enterprise", interval: "month", preview: true },
        status: 200,
        response: { preview: PREVIEW, applied: false, charged: null, subscription: PRO_SUBSCRIPTION_EXAMPLE },
      },
      {
        name: "no_plan",
        summary: "On Free",
        as: "student",
        body: { tier: "pro", interval: "month", preview: true },
        status: 404,
        response: errorExample("not_found", "You have no paid subscription to change. Choose a plan on the pricing page."),
      },
    ],
  },
});

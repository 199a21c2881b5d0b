import { defineRoute, UNAUTHENTICATED } from "~/modules/openapi/define.server";
import { FREE_ENTITLEMENT_EXAMPLE, FREE_SUBSCRIPTION_EXAMPLE, subscriptionShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/subscriptions/current", {
  get: {
    capability: "Subscriptions",
    summary: "Your plan",
    description: "Tier, status, period, renewal date, a scheduled change, dunning state, features and limits. Users without a paid plan get `tier: \"free\"`. `entitlement` is what the user is entitled to now: the higher of their own plan and a seat in an organization with an active licence (`source: \"seat\"`, with the organization and who manages it).",
    auth: { kind: "signed_in", permission: "read:subscription:own" },
    responses: { 200: { description: "Your plan.", schema: subscriptionShape } },
    errors: { 401: ["unauthenticated"] },
    examples: [
      { name: "ok", summary: "On Free", as: "student", status: 200, response: { ...FREE_SUBSCRIPTION_EXAMPLE, entitlement: FREE_ENTITLEMENT_EXAMPLE } },
      { name: "anonymous", summary: "No credentials", as: "anonymous", status: 401, response: UNAUTHENTICATED },
    ],
  },
});

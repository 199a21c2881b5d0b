import { defineRoute, UNAUTHENTICATED } from "~/modules/openapi/define.server";
import { FREE_SUBSCRIPTION_EXAMPLE, subscriptionShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/subscriptions/current", {
  get: {
    capability: "Subscriptions",
    summary: "Your plan",
    description: "Tier, status, period, renewal date, a scheduled change, dunning state, features and limits. Users without a paid plan get `tier: \"free\"`.",
    auth: { kind: "signed_in", permission: "read:subscription:own" },
    responses: { 200: { description: "Your plan.", schema: subscriptionShape } },
    errors: { 401: ["unauthenticated"] },
    examples: [
      { name: "ok", summary: "On Free", as: "student", status: 200, response: FREE_SUBSCRIPTION_EXAMPLE },
      { name: "anonymous", summary: "No credentials", as: "anonymous", status: 401, response: UNAUTHENTICATED },
    ],
  },
});

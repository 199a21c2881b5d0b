import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { PRO_SUBSCRIPTION_EXAMPLE, subscriptionShape } from "~/modules/openapi/shapes.server";
import { cancelSchema } from "~/modules/subscriptions/lifecycle.server";

export default defineRoute("/api/subscriptions/cancel", {
  post: {
    capability: "Subscriptions",
    summary: "Cancel your plan",
    description:
      "`{}` (or no body) cancels at period end; access is kept until then and `resume` undoes it. Admins (`update:subscription:any`) may send " +
      "`immediately: true` with a `userId` and `reason` to end one now (audited as `subscription.canceled_immediately`); members sending those get 403.",
    auth: { kind: "signed_in", permission: "update:subscription:own" },
    body: { schema: cancelSchema, required: false },
    responses: { 200: { description: "Your plan after the change.", schema: subscriptionShape } },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"], 503: ["upstream_unavailable"] },
    examples: [
      {
        name: "ok",
        summary: "Cancel at period end",
        as: "student",
        body: {},
        status: 200,
        response: { ...PRO_SUBSCRIPTION_EXAMPLE, renewsAt: null, cancelAtPeriodEnd: true, accessEndsAt: 1798342000000 },
      },
      { name: "none", summary: "No subscription", as: "student", body: {}, status: 404, response: errorExample("not_found", "There is no active subscription to cancel.") },
      { name: "immediately", summary: "Members cannot end it now", as: "student", body: { immediately: true }, status: 403, response: errorExample("forbidden", "Only an administrator can end a subscription immediately.") },
    ],
  },
});

import { defineRoute, errorExample } from "~/modules/openapi/define.server";
import { PRO_SUBSCRIPTION_EXAMPLE, subscriptionShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/subscriptions/resume", {
  post: {
    capability: "Subscriptions",
    summary: "Resume a canceled plan",
    description: "Undoes a cancellation at period end, before the period ends. No body.",
    auth: { kind: "signed_in", permission: "update:subscription:own" },
    responses: { 200: { description: "Your plan, renewing again.", schema: subscriptionShape } },
    errors: { 401: ["unauthenticated"], 403: ["forbidden", "csrf_failed"], 404: ["not_found"], 409: ["conflict"], 503: ["upstream_unavailable"] },
    examples: [
      { name: "ok", summary: "Resume", as: "student", status: 200, response: PRO_SUBSCRIPTION_EXAMPLE },
      { name: "none", summary: "No subscription", as: "student", status: 404, response: errorExample("not_found", "There is no subscription to resume. Choose a plan on the pricing page.") },
    ],
  },
});

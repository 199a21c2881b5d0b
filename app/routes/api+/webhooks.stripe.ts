import { receiveStripeWebhook } from "~/modules/payments/stripe-events.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/webhooks/stripe — Stripe's signed events. Verified against the raw body (400 on a
 * missing, bad or stale signature), queued, acknowledged with 200; the consumer stores each event
 * once by id and handles it once (app/modules/payments/event-consumer.server.ts).
 */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
  return receiveStripeWebhook(app, request);
});

import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { withIdempotency } from "~/modules/payments/idempotency.server";
import { createSubscription } from "~/modules/subscriptions/lifecycle.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/subscriptions/create {tier, interval, flow?, paymentMethod?} — starts a paid plan.
 * `checkout` → 201 with the hosted Checkout URL; `payment_method` → 201 with the active
 * subscription (402 on a decline). Honours Idempotency-Key.
 */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
  const user = await requireUserWithPermission(app, request, "create:subscription:own");
  const body = await readJson(request);
  return withIdempotency(app, request, { userId: user.id, name: "subscriptions.create", body }, async () => ({
    status: 201,
    body: await createSubscription(app, user, body),
  }));
});

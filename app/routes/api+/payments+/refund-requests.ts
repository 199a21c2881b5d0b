import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { requestRefund } from "~/modules/marketplace/refund-requests.server";
import { withIdempotency } from "~/modules/payments/idempotency.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/payments/refund-requests {paymentId, reason?, review?} — a learner asks for a refund of
 * their own course purchase under the refund policy (app/modules/marketplace/refund-policy.ts).
 * 201 when this call made the request (granted or refused), 200 when the payment already had one.
 */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
  const user = await requireUserWithPermission(app, request, "create:refund:own");
  const body = await readJson(request);
  return withIdempotency(app, request, { userId: user.id, name: "payments.refund_request", body }, async () => {
    const outcome = await requestRefund(app, user, body);
    return { status: outcome.created ? 201 : 200, body: outcome };
  });
});

import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { withIdempotency } from "~/modules/payments/idempotency.server";
import { processPayment } from "~/modules/payments/process.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/payments/process — starts a payment for a purpose (`course_purchase`,
 * `subscription`). Honours Idempotency-Key. 201 with the payment id, status and next action.
 */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
  const user = await requireUserWithPermission(app, request, "create:payment:own");
  const body = await readJson(request);
  return withIdempotency(app, request, { userId: user.id, name: "payments.process", body }, async () => ({
    status: 201,
    body: await processPayment(app, user, body),
  }));
});

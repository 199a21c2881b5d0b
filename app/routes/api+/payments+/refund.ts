import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { withIdempotency } from "~/modules/payments/idempotency.server";
import { refundPayment } from "~/modules/payments/refunds.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/** POST /api/payments/refund {paymentId, amount?, reason} — admins; idempotent; audited. */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
  const admin = await requireUserWithPermission(app, request, "create:refund:any");
  const body = await readJson(request);
  return withIdempotency(app, request, { userId: admin.id, name: "payments.refund", body }, async () => ({
    status: 200,
    body: await refundPayment(app, admin, body),
  }));
});

import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { hasPermission } from "~/modules/auth/permissions";
import { getPaymentFor } from "~/modules/payments/history.server";
import { api, methodNotAllowed } from "~/utils/api.server";

/** GET /api/payments/:paymentId — one of the caller's payments (admins: any), with refunds. */
export const loader = api(async ({ request, params, app }) => {
  const user = await requireUserWithPermission(app, request, "read:payment:own");
  return { payment: await getPaymentFor(app, user, params.paymentId ?? "", hasPermission(user, "read:payment:any")) };
});

export const action = methodNotAllowed;

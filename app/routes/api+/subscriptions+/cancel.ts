import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { hasPermission } from "~/modules/auth/permissions";
import { cancelSubscription } from "~/modules/subscriptions/lifecycle.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/subscriptions/cancel {immediately?, userId?, reason?} — cancels at period end (access
 * kept until then). Admins may pass `immediately: true` and another user's id (audited).
 */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
  const user = await requireUserWithPermission(app, request, "update:subscription:own");
  const body = await readJson(request, { allowEmpty: true });
  return cancelSubscription(app, user, body, hasPermission(user, "update:subscription:any"));
});

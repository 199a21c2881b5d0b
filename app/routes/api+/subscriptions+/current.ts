import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { currentSubscription } from "~/modules/subscriptions/lifecycle.server";
import { api, methodNotAllowed } from "~/utils/api.server";

/** GET /api/subscriptions/current — tier, status, period, renewal date, pending change, features, limits. */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:subscription:own");
  return currentSubscription(app, user.id);
});

export const action = methodNotAllowed;

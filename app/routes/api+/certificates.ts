import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { listCertificates } from "~/modules/subscriptions/features.server";
import { requireFeature } from "~/modules/subscriptions/entitlements.server";
import { api, methodNotAllowed } from "~/utils/api.server";

/**
 * GET /api/certificates — certificates of completion for the caller's completed courses. A Pro
 * feature: Free users get 403 `feature_locked` with `details.upgradeUrl`.
 */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:account:own");
  await requireFeature(app, user, "certificates");
  return { certificates: await listCertificates(app, user.id) };
});

export const action = methodNotAllowed;

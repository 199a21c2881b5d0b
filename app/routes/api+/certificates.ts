import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { listCertificates, ownCertificate } from "~/modules/marketplace/certificates.server";
import { requireFeature } from "~/modules/subscriptions/entitlements.server";
import { api, methodNotAllowed } from "~/utils/api.server";

/**
 * GET /api/certificates — certificates of completion for the caller's completed courses (issued on
 * first look), with their public code, verification URL and PDF URL. A Pro feature: Free users get
 * 403 `feature_locked` with `details.upgradeUrl`.
 */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:account:own");
  await requireFeature(app, user, "certificates");
  return { certificates: (await listCertificates(app, user.id)).map((c) => ownCertificate(app, c)) };
});

export const action = methodNotAllowed;

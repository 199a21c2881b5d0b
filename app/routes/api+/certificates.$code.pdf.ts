import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { certificatePdf } from "~/modules/marketplace/certificates.server";
import { requireFeature } from "~/modules/subscriptions/entitlements.server";
import { api, methodNotAllowed } from "~/utils/api.server";

/**
 * GET /api/certificates/:code/pdf — one of your certificates as a PDF (drawn by the PDF Worker).
 * Needs the `certificates` feature; someone else's code is 404; a revoked certificate is 409.
 */
export const loader = api(async ({ request, params, app }) => {
  const user = await requireUserWithPermission(app, request, "read:account:own");
  await requireFeature(app, user, "certificates");
  return certificatePdf(app, user, params.code ?? "");
});

export const action = methodNotAllowed;

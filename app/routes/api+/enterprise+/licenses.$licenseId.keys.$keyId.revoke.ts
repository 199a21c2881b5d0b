import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { revokeLicenseKey } from "~/modules/licensing/licenses.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/enterprise/licenses/:licenseId/keys/:keyId/revoke {reason?} — revokes one key
 * (organization admins, platform admins): validation with it answers KEY_REVOKED; the license, its
 * other keys and its machines are untouched. Idempotent (`revoked: false` when it already was). Audited.
 */
export const action = api(async ({ request, params, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
  const user = await requireUserWithPermission(app, request, "update:organization:own");
  return revokeLicenseKey(app, user, params.licenseId ?? "", params.keyId ?? "", await readJson(request, { allowEmpty: true }));
});

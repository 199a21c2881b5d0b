import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { updateBranding } from "~/modules/licensing/branding.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/enterprise/branding (multipart/form-data or urlencoded) — organizationId, name,
 * primaryColor?, accentColor?, supportEmail?, logo? (PNG/JPEG/WebP ≤ 512 KB), removeLogo?.
 * Organization admins; 403 `feature_locked` with the upgrade hint when no active license of the
 * organization includes white-label.
 */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
  const user = await requireUserWithPermission(app, request, "update:organization:own");
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw new AppError("bad_request", "Send the branding as multipart/form-data.");
  }
  const branding = await updateBranding(app, user, String(form.get("organizationId") ?? ""), form);
  return { branding };
});

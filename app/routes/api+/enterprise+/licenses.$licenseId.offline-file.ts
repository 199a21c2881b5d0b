import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { offlineLicenseFile } from "~/modules/licensing/licenses.server";
import { api, methodNotAllowed } from "~/utils/api.server";

/**
 * GET /api/enterprise/licenses/:licenseId/offline-file?days=30 — a signed, time-limited license
 * file (CMLF1…) listing the active machines, for air-gapped installs. Organization admins and
 * platform admins. `?download=1` answers it as a file attachment.
 */
export const loader = api(async ({ request, params, app }) => {
  const user = await requireUserWithPermission(app, request, "read:organization:own");
  const url = new URL(request.url);
  const result = await offlineLicenseFile(app, user, params.licenseId ?? "", Object.fromEntries(url.searchParams));
  if (url.searchParams.get("download") === "1") {
    return new Response(`${result.file}\n`, {
      headers: {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Disposition": `attachment; filename="${result.licenseId}.lic"`,
        "Cache-Control": "no-store",
      },
    });
  }
  return result;
});

export const action = methodNotAllowed;

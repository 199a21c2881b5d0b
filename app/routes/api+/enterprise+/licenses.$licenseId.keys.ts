import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { getLicenseFor, issueLicenseKey, licenseKeysOf } from "~/modules/licensing/licenses.server";
import { api, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

/**
 * GET /api/enterprise/licenses/:licenseId/keys — the license's keys (each with its key string while
 * usable) for its organization's admins and platform admins.
 */
export const loader = api(async ({ request, params, app }) => {
  const user = await requireUserWithPermission(app, request, "read:organization:own");
  const { license } = await getLicenseFor(app, user, params.licenseId ?? "", "admin");
  const keys = (await licenseKeysOf(app, [license], { withKeys: true })).get(license.id) ?? [];
  return { keys };
});

/**
 * POST /api/enterprise/licenses/:licenseId/keys {label?} — issues another key (organization admins,
 * platform admins); the other keys keep working until revoked. Audited.
 */
export const action = api(async ({ request, params, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
  const user = await requireUserWithPermission(app, request, "update:organization:own");
  const { key } = await issueLicenseKey(app, user, params.licenseId ?? "", await readJson(request, { allowEmpty: true }));
  return new Response(JSON.stringify({ key }), { status: 201, headers: { "Content-Type": "application/json; charset=utf-8" } });
});

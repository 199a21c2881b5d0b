import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { changeLicense, getLicenseFor, licenseKeyFor, listMachines, toPublicLicense, toPublicMachine } from "~/modules/licensing/licenses.server";
import { api, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

/**
 * GET /api/enterprise/licenses/:licenseId — the license and its machines, for members of its
 * organization and platform admins (404 for anyone else); the key only for the organization's
 * admins.
 */
export const loader = api(async ({ request, params, app }) => {
  const user = await requireUserWithPermission(app, request, "read:organization:own");
  const { license, access } = await getLicenseFor(app, user, params.licenseId ?? "");
  const machines = await listMachines(app, [license.id]);
  const key = access.role !== "member" && license.status !== "revoked" ? await licenseKeyFor(app, license) : null;
  return { license: toPublicLicense(license), key, machines: machines.map(toPublicMachine) };
});

/**
 * POST /api/enterprise/licenses/:licenseId (platform admins) — {action: "extend", expiresAt} |
 * {action: "suspend" | "revoke", reason?} | {action: "reinstate"} | {action: "update_limits",
 * maxSeats?, maxMachines?}. Audited; validation sees it at once in this data centre and within
 * the status cache bound (10 s) everywhere.
 */
export const action = api(async ({ request, params, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
  const admin = await requireUserWithPermission(app, request, "update:license:any");
  const license = await changeLicense(app, admin, params.licenseId ?? "", await readJson(request));
  return { license: toPublicLicense(license) };
});

import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { changeLicense, getLicenseFor, licenseKeysOf, listMachines, toPublicLicense, toPublicMachine } from "~/modules/licensing/licenses.server";
import { api, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

/**
 * GET /api/enterprise/licenses/:licenseId — the license and its machines, for members of its
 * organization and platform admins (404 for anyone else); the keys only for the organization's
 * admins (`key` is the newest usable one, `keys` all of them).
 */
export const loader = api(async ({ request, params, app }) => {
  const user = await requireUserWithPermission(app, request, "read:organization:own");
  const { license, access } = await getLicenseFor(app, user, params.licenseId ?? "");
  const isAdmin = access.role !== "member";
  const [machines, keyMap] = await Promise.all([listMachines(app, [license.id]), isAdmin ? licenseKeysOf(app, [license], { withKeys: true }) : null]);
  const keys = keyMap?.get(license.id) ?? [];
  const key = [...keys].reverse().find((k) => k.key)?.key ?? null;
  return { license: toPublicLicense(license), key, keys, machines: machines.map((m) => toPublicMachine(m, license)) };
});

/**
 * POST /api/enterprise/licenses/:licenseId (platform admins) — {action: "extend", expiresAt} |
 * {action: "suspend" | "revoke", reason?} | {action: "reinstate"} | {action: "update_limits",
 * maxSeats?, maxMachines?} | {action: "update_policy", policy: {heartbeatIntervalSeconds?,
 * heartbeatGraceSeconds?, checkInIntervalDays?, machineOverage?}}. Audited; validation sees it at once in this data centre and within
 * the status cache bound (10 s) everywhere.
 */
export const action = api(async ({ request, params, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
  const admin = await requireUserWithPermission(app, request, "update:license:any");
  const license = await changeLicense(app, admin, params.licenseId ?? "", await readJson(request));
  return { license: toPublicLicense(license) };
});

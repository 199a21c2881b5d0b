import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { createLicense } from "~/modules/licensing/licenses.server";
import { withIdempotency } from "~/modules/payments/idempotency.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/enterprise/licenses/create (platform admins) — {organizationId | organizationName +
 * ownerEmail, tier, expiresAt | durationDays, maxSeats?, maxMachines?, features?, metadata?} →
 * 201 {license, key}. Honours Idempotency-Key. Audited.
 */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
  const admin = await requireUserWithPermission(app, request, "create:license:any");
  const body = await readJson(request);
  return withIdempotency(app, request, { userId: admin.id, name: "licenses.create", body }, async () => ({ status: 201, body: await createLicense(app, admin, body) }));
});

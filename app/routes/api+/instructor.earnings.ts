import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { earningsSummary } from "~/modules/marketplace/earnings.server";
import { api, methodNotAllowed } from "~/utils/api.server";

/** GET /api/instructor/earnings — the caller's pending / available / paid earnings, per course and month. */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:earnings:own");
  return earningsSummary(app, user.id);
});

export const action = methodNotAllowed;

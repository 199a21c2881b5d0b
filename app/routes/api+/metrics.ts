import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { collectMetrics } from "~/modules/observability/metrics.server";
import { api, methodNotAllowed } from "~/utils/api.server";

/** GET /api/metrics — operator metrics (admins, or an admin's API token for a scraper). */
export const loader = api(async ({ request, app }) => {
  await requireUserWithPermission(app, request, "read:metrics:any");
  return collectMetrics(app);
});

export const action = methodNotAllowed;

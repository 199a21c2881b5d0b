import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { organizationUsage } from "~/modules/licensing/reports.server";
import { api, methodNotAllowed } from "~/utils/api.server";

/**
 * GET /api/enterprise/usage?organizationId=org_…&from=YYYY-MM-DD&to=YYYY-MM-DD — validations per
 * day, active machines, seats used and limits. For the organization's owner and admins, and
 * platform admins; the organization defaults to the caller's first.
 */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:organization:own");
  return organizationUsage(app, user, Object.fromEntries(new URL(request.url).searchParams));
});

export const action = methodNotAllowed;

import { requireUserWithPermission, toPublicUser } from "~/modules/auth/auth.server";
import { ROLE_PERMISSIONS } from "~/modules/auth/permissions";
import { api, methodNotAllowed } from "~/utils/api.server";

/** GET /api/me — the caller (session or API token) and their permissions. */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:account:own");
  return { user: toPublicUser(user), permissions: ROLE_PERMISSIONS[user.role], authenticatedVia: user.via };
});

export const action = methodNotAllowed;

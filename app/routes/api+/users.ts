import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { searchUsers, userSearchSchema } from "~/modules/auth/users.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { parseOrThrow } from "~/utils/errors";

/** GET /api/users?q=&role=&cursor=&limit= — admin user directory. */
export const loader = api(async ({ request, app }) => {
  await requireUserWithPermission(app, request, "read:user:any");
  return searchUsers(app, parseOrThrow(userSearchSchema, Object.fromEntries(new URL(request.url).searchParams)));
});

export const action = methodNotAllowed;

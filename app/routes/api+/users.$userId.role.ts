import { changeRole, requireUserWithPermission, toPublicUser } from "~/modules/auth/auth.server";
import { roleChangeSchema } from "~/modules/auth/users.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError, parseOrThrow } from "~/utils/errors";

export const loader = methodNotAllowed;

/** PUT /api/users/:userId/role {role} — admins change any role; audited. */
export const action = api(async ({ request, params, app }) => {
  if (request.method !== "PUT") throw new AppError("method_not_allowed", "Use PUT to change a role.");
  const admin = await requireUserWithPermission(app, request, "update:role:any");
  const { role } = parseOrThrow(roleChangeSchema, await readJson(request));
  return { user: toPublicUser(await changeRole(app, admin, params.userId ?? "", role)) };
});

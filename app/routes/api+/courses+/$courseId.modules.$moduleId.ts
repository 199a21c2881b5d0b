import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { deleteModule } from "~/modules/marketplace/courses.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/** DELETE /api/courses/:courseId/modules/:moduleId — the owner removes a module and its file. */
export const action = api(async ({ request, params, app }) => {
  if (request.method !== "DELETE") throw new AppError("method_not_allowed", "Use DELETE to remove a module.");
  const user = await requireUserWithPermission(app, request, "update:course:own");
  await deleteModule(app, user, params.courseId ?? "", params.moduleId ?? "");
  return new Response(null, { status: 204 });
});

import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { completeModule } from "~/modules/marketplace/access.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/** POST /api/courses/:courseId/modules/:moduleId/complete — marks the module done (idempotent). */
export const action = api(async ({ request, params, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST to complete a module.");
  const user = await requireUserWithPermission(app, request, "update:progress:own");
  return { progress: await completeModule(app, user, params.courseId ?? "", params.moduleId ?? "") };
});

import { requireUser } from "~/modules/auth/auth.server";
import { serveModuleFile } from "~/modules/marketplace/access.server";
import { api, methodNotAllowed } from "~/utils/api.server";

/**
 * GET /api/courses/:courseId/modules/:moduleId/file — the module's file from R2 (Range supported),
 * for enrolled learners, the course's instructor and admins only.
 */
export const loader = api(async ({ request, params, app }) => {
  const user = await requireUser(app, request);
  return serveModuleFile(app, user, request, params.courseId ?? "", params.moduleId ?? "");
});

export const action = methodNotAllowed;

import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { publicCourse, uploadCourse } from "~/modules/marketplace/courses.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/courses/upload (multipart/form-data) — creates a draft course with module files, or adds
 * files / changes metadata of an own course when `courseId` is sent. 201 for a new course, 200 otherwise.
 */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST to upload a course.");
  const user = await requireUserWithPermission(app, request, "create:course:own");
  const result = await uploadCourse(app, user, request);
  return Response.json(
    { course: publicCourse(result.course, user), modulesAdded: result.modules },
    { status: result.created ? 201 : 200, headers: { "Cache-Control": "no-store" } },
  );
});

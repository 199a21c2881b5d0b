import { getUser, requireUser } from "~/modules/auth/auth.server";
import { courseIdSchema, findCourse, getCourseView, publicCourse, updateCourse } from "~/modules/marketplace/courses.server";
import { api, readJson } from "~/utils/api.server";
import { AppError, parseOrThrow } from "~/utils/errors";

/** GET /api/courses/:courseId — a course with its modules (drafts only for the owner and admins). */
export const loader = api(async ({ request, params, app }) => {
  // The caller and the course together: one sequential D1 round trip (issue 16).
  const [viewer, course] = await Promise.all([getUser(app, request), findCourse(app, parseOrThrow(courseIdSchema, params.courseId))]);
  if (!course) throw AppError.notFound("Course");
  // The page's instructor card (bio, photo) is not part of this API shape.
  const { instructor: _instructor, ...view } = await getCourseView(app, viewer, course);
  return view;
});

/** PATCH /api/courses/:courseId — owners edit metadata and publish; admins unpublish (status draft/archived). */
export const action = api(async ({ request, params, app }) => {
  if (request.method !== "PATCH") throw new AppError("method_not_allowed", "Use PATCH to update a course.");
  const user = await requireUser(app, request);
  const course = await updateCourse(app, user, params.courseId ?? "", await readJson(request));
  return { course: publicCourse(course) };
});

import { getUser, requireUserWithPermission } from "~/modules/auth/auth.server";
import { listReviews, upsertReview } from "~/modules/marketplace/reviews.server";
import { api, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

/** GET /api/courses/:courseId/reviews?cursor=&limit= — newest first. */
export const loader = api(async ({ request, params, app }) => {
  return listReviews(app, getUser(app, request), params.courseId ?? "", Object.fromEntries(new URL(request.url).searchParams));
});

/** POST /api/courses/:courseId/reviews {rating, body} — enrolled learners; 201 created, 200 edited. */
export const action = api(async ({ request, params, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST to write a review.");
  const user = await requireUserWithPermission(app, request, "create:review:own");
  const result = await upsertReview(app, user, params.courseId ?? "", await readJson(request));
  return Response.json({ review: result.review }, { status: result.created ? 201 : 200, headers: { "Cache-Control": "no-store" } });
});

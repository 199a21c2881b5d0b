import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { purchaseCourse } from "~/modules/marketplace/checkout.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/courses/purchase {courseId} — 200 already enrolled (nothing charged), 201 enrolled in a
 * free course, 201 payment started (follow `payment.nextAction`; access comes with the webhook).
 */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST to buy a course.");
  const user = await requireUserWithPermission(app, request, "create:enrollment:own");
  const outcome = await purchaseCourse(app, user, await readJson(request));
  return Response.json(outcome, { status: outcome.status === "already_enrolled" ? 200 : 201, headers: { "Cache-Control": "no-store" } });
});

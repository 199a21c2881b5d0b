import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { purchaseCourse } from "~/modules/marketplace/checkout.server";
import { withIdempotency } from "~/modules/payments/idempotency.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/courses/purchase {courseId} — 200 already enrolled (nothing charged), 201 enrolled in a
 * free course, 201 payment started (follow `payment.nextAction`; access comes with the webhook).
 * Honours Idempotency-Key (same key + body replays the first response; another body → 409).
 */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST to buy a course.");
  const user = await requireUserWithPermission(app, request, "create:enrollment:own");
  const body = await readJson(request);
  return withIdempotency(app, request, { userId: user.id, name: "courses.purchase", body }, async () => {
    const outcome = await purchaseCourse(app, user, body);
    return { status: outcome.status === "already_enrolled" ? 200 : 201, body: outcome };
  });
});

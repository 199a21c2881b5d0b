import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { resumeSubscription } from "~/modules/subscriptions/lifecycle.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/** POST /api/subscriptions/resume — undoes a cancellation at period end, before the period ends. */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
  const user = await requireUserWithPermission(app, request, "update:subscription:own");
  return resumeSubscription(app, user);
});

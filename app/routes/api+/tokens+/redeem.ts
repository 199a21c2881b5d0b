import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { withIdempotency } from "~/modules/payments/idempotency.server";
import { redeem } from "~/modules/tokens/redeem.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";
import { createId } from "~/utils/ids";

export const loader = methodNotAllowed;

/**
 * POST /api/tokens/redeem {item: "streak_freeze"} | {item: "course_discount", courseId, tokens} —
 * spends tokens. A freeze is bought at once (201); a course discount starts the course's checkout
 * with the tokens held until the payment settles (201 with the payment). Honours Idempotency-Key.
 */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST to redeem tokens.");
  const user = await requireUserWithPermission(app, request, "create:token-redemption:own");
  const body = await readJson(request);
  const requestKey = request.headers.get("Idempotency-Key") ?? createId("request");
  return withIdempotency(app, request, { userId: user.id, name: "tokens.redeem", body }, async () => ({
    status: 201,
    body: await redeem(app, user, body, requestKey),
  }));
});

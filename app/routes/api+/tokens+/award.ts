import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { withIdempotency } from "~/modules/payments/idempotency.server";
import { adminAward } from "~/modules/tokens/admin-awards.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/tokens/award (admin) {userId, amount, reason} — a positive amount awards, a negative
 * one adjusts down (never below zero: 409). Your own wallet: 403. Above the approval threshold the
 * answer is 202 with a pending request that another admin approves (POST /api/tokens/awards/:id).
 * Audited. Honours Idempotency-Key; without one, each request is its own entry.
 */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST to award tokens.");
  const actor = await requireUserWithPermission(app, request, "create:token-award:any");
  const body = await readJson(request);
  const requestKey = request.headers.get("Idempotency-Key") ?? app.requestId;
  return withIdempotency(app, request, { userId: actor.id, name: "tokens.award", body }, async () => {
    const outcome = await adminAward(app, actor, body, requestKey);
    return outcome.status === "recorded"
      ? { status: 201, body: { entry: outcome.entry, replayed: outcome.replayed } }
      : { status: 202, body: { pending: outcome.request, replayed: outcome.replayed } };
  });
});

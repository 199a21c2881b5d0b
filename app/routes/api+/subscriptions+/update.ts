import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { withIdempotency } from "~/modules/payments/idempotency.server";
import { changeSubscription } from "~/modules/subscriptions/proration.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * PUT /api/subscriptions/update {tier, interval, preview?, prorationDate?} — change plan or billing
 * interval. `preview: true` returns the exact prorated amount (and a `prorationDate`) without
 * changing anything; sending that `prorationDate` back charges exactly the previewed amount.
 * Honours Idempotency-Key.
 */
export const action = api(async ({ request, app }) => {
  if (request.method !== "PUT") throw new AppError("method_not_allowed", "Use PUT.");
  const user = await requireUserWithPermission(app, request, "update:subscription:own");
  const body = await readJson(request);
  return withIdempotency(app, request, { userId: user.id, name: "subscriptions.update", body }, async () => ({
    status: 200,
    body: await changeSubscription(app, user, body),
  }));
});

import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { hasPermission } from "~/modules/auth/permissions";
import { historySchema, listPayments } from "~/modules/payments/history.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { AppError, parseOrThrow } from "~/utils/errors";

/**
 * GET /api/payments/history?status=&purpose=&from=&to=&cursor=&limit=[&userId=] — the caller's
 * payments with refunds, newest first. Only admins may pass another user's id.
 */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:payment:own");
  const query = parseOrThrow(historySchema, Object.fromEntries(new URL(request.url).searchParams));
  const userId = query.userId ?? user.id;
  if (userId !== user.id && !hasPermission(user, "read:payment:any")) throw AppError.forbidden("You can only see your own payments.");
  return listPayments(app, { ...query, userId });
});

export const action = methodNotAllowed;

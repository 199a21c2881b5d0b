import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { hasPermission } from "~/modules/auth/permissions";
import { history } from "~/modules/tokens/ledger.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

/**
 * GET /api/tokens/history?type=&from=YYYY-MM-DD&to=YYYY-MM-DD&cursor=&limit= — the caller's ledger,
 * newest first. Admins may add `userId` to read anyone's; anyone else asking for another user gets 403.
 */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:tokens:own");
  const { userId, ...query } = Object.fromEntries(new URL(request.url).searchParams);
  if (userId && userId !== user.id && !hasPermission(user, "read:tokens:any")) throw AppError.forbidden("You can only read your own token history.");
  return history(app, userId || user.id, query);
});

export const action = methodNotAllowed;

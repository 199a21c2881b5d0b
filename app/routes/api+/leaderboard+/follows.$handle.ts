import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { unfollow } from "~/modules/tokens/leaderboard.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/** DELETE /api/leaderboard/follows/:handle — stops following (404 for an unknown handle). */
export const action = api(async ({ request, params, app }) => {
  if (request.method !== "DELETE") throw new AppError("method_not_allowed", "Use DELETE to unfollow.");
  const user = await requireUserWithPermission(app, request, "delete:follow:own");
  await unfollow(app, user.id, params.handle ?? "");
  return new Response(null, { status: 204 });
});

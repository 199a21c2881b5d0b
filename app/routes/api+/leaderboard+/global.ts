import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { globalBoard } from "~/modules/tokens/leaderboard.server";
import { api, methodNotAllowed } from "~/utils/api.server";

/** GET /api/leaderboard/global?period=week|all&limit=10 — the top N and the caller's own rank. */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:leaderboard:any");
  return globalBoard(app, user.id, Object.fromEntries(new URL(request.url).searchParams));
});

export const action = methodNotAllowed;

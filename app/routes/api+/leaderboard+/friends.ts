import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { friendsBoard } from "~/modules/tokens/leaderboard.server";
import { api, methodNotAllowed } from "~/utils/api.server";

/** GET /api/leaderboard/friends?period=week|all — the caller and the learners they follow, ranked. */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:leaderboard:any");
  return friendsBoard(app, user.id, Object.fromEntries(new URL(request.url).searchParams));
});

export const action = methodNotAllowed;

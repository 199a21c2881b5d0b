import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { follow, listFollowing } from "~/modules/tokens/leaderboard.server";
import { api, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

/** GET /api/leaderboard/follows — the learners the caller follows. */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:leaderboard:any");
  return { items: await listFollowing(app, user.id) };
});

/** POST /api/leaderboard/follows {handle} — follows a learner (idempotent). */
export const action = api(async ({ request, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST to follow a learner.");
  const user = await requireUserWithPermission(app, request, "create:follow:own");
  return Response.json(await follow(app, user.id, await readJson(request)), { status: 201, headers: { "Cache-Control": "no-store" } });
});

import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { saveProfile } from "~/modules/tokens/leaderboard.server";
import { ensureProfile } from "~/modules/tokens/profiles.server";
import { api, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

const view = (p: { handle: string; timeZone: string; hiddenFromBoards: boolean }) => ({ handle: p.handle, timeZone: p.timeZone, hiddenFromBoards: p.hiddenFromBoards });

/** GET /api/tokens/profile — the caller's handle, streak time zone and leaderboard visibility. */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:tokens:own");
  return view(await ensureProfile(app, user.id, request));
});

/** PATCH /api/tokens/profile {handle?, timeZone?, hiddenFromBoards?} */
export const action = api(async ({ request, app }) => {
  if (request.method !== "PATCH") throw new AppError("method_not_allowed", "Use PATCH to change your profile.");
  const user = await requireUserWithPermission(app, request, "update:account:own");
  return view(await saveProfile(app, user.id, await readJson(request)));
});

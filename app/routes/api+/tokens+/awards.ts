import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { awardListQuerySchema, listAwardRequests } from "~/modules/tokens/admin-awards.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { parseOrThrow } from "~/utils/errors";

/** GET /api/tokens/awards?status=pending|approved|rejected (admin) — award requests waiting for (or decided by) a second admin. */
export const loader = api(async ({ request, app }) => {
  await requireUserWithPermission(app, request, "create:token-award:any");
  const { status } = parseOrThrow(awardListQuerySchema, Object.fromEntries(new URL(request.url).searchParams));
  const items = await listAwardRequests(app, status);
  return { items: items.map(({ recipient: _r, requester: _q, ...item }) => item) };
});

export const action = methodNotAllowed;

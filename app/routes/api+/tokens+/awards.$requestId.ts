import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { decideAwardRequest } from "~/modules/tokens/admin-awards.server";
import { api, methodNotAllowed, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/**
 * POST /api/tokens/awards/:requestId {decision: "approve"|"reject"} (admin) — a second admin
 * approves (the tokens are credited once) or rejects a pending award; the requester may reject
 * (withdraw) but never approve, and nobody approves an award to themselves. Audited.
 */
export const action = api(async ({ request, params, app }) => {
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST to decide on an award.");
  const actor = await requireUserWithPermission(app, request, "create:token-award:any");
  return decideAwardRequest(app, actor, params.requestId ?? "", await readJson(request));
});

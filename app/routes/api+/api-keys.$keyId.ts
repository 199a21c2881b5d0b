import { revokeApiToken } from "~/modules/auth/api-tokens.server";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

export const loader = methodNotAllowed;

/** DELETE /api/api-keys/:keyId — revokes one of the caller's API keys (404 for anyone else's). */
export const action = api(async ({ request, params, app }) => {
  if (request.method !== "DELETE") throw new AppError("method_not_allowed", "Use DELETE to revoke a token.");
  const user = await requireUserWithPermission(app, request, "delete:api-token:own");
  await revokeApiToken(app, user, params.keyId ?? "");
  return new Response(null, { status: 204 });
});

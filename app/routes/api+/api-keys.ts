import { createApiToken, listApiTokens, revokeAllApiTokens } from "~/modules/auth/api-tokens.server";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { api, readJson } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

/** GET /api/api-keys — the caller's active API keys (never the secrets). */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:account:own");
  return { tokens: await listApiTokens(app, user.id) };
});

/**
 * POST /api/api-keys {name} — creates an API key; the secret is in this response only.
 * DELETE /api/api-keys — revokes every key of the caller (including the one making the call).
 */
export const action = api(async ({ request, app }) => {
  if (request.method === "DELETE") {
    const user = await requireUserWithPermission(app, request, "delete:api-token:own");
    return { revoked: await revokeAllApiTokens(app, user) };
  }
  if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST to create a token.");
  const user = await requireUserWithPermission(app, request, "create:api-token:own");
  const created = await createApiToken(app, user, await readJson(request));
  return Response.json(created, { status: 201, headers: { "Cache-Control": "no-store" } });
});


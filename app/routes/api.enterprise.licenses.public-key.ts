import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { signingKeys } from "~/modules/licensing/keys.server";
import { CORS_HEADERS, publicEndpoint } from "~/modules/licensing/validate.server";

/**
 * GET /api/enterprise/licenses/public-key — the public half of the license signing key as a JWK
 * Set ({"keys":[{kty:"OKP",crv:"Ed25519",x,kid,alg:"EdDSA",use:"sig"}]}), for offline
 * verification. Stable URL; cacheable for an hour.
 */
export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const response = await publicEndpoint(context.app, request, async () => {
    const keys = await signingKeys(context.app.config.LICENSE_SIGNING_KEY);
    return { body: { keys: [keys.publicJwk] } };
  });
  if (response.ok) response.headers.set("Cache-Control", "public, max-age=3600");
  return response;
};

export const action = () => new Response(null, { status: 204, headers: CORS_HEADERS });

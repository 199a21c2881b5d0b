import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { signingKeys } from "~/modules/licensing/keys.server";
import { json, preflight, publicEndpoint } from "~/modules/licensing/validate.server";

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

/** CORS preflights; any other method is 405 (it is a GET-only resource). */
export const action = ({ request, context }: ActionFunctionArgs) =>
  request.method === "OPTIONS" ? preflight() : json(context.app, { error: { code: "method_not_allowed", message: "Use GET." } }, 405);

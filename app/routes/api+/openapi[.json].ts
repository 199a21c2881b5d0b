import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { OPENAPI_ASSET } from "~/modules/openapi/reference.server";
import { methodNotAllowed } from "~/utils/api.server";

/**
 * GET /api/openapi.json — the OpenAPI 3.1 document of every `/api` route (public, cacheable). It is
 * built with the app (scripts/build-openapi.mjs) as a static asset at this very path, which the
 * assets layer answers before the Worker; a request that reaches the Worker anyway (an asset
 * binding that runs the Worker first, tests) gets the same bytes through ASSETS.
 */
export async function loader({ context, request }: LoaderFunctionArgs) {
  const asset = await context.app.env.ASSETS.fetch(new URL(OPENAPI_ASSET, request.url));
  return new Response(asset.body, {
    status: asset.status,
    headers: { "Content-Type": "application/json", "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*" },
  });
}

export const action = methodNotAllowed;

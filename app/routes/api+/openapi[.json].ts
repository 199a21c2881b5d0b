import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { openApiDocument } from "~/modules/openapi/document.server";
import { methodNotAllowed } from "~/utils/api.server";

/** GET /api/openapi.json — the OpenAPI 3.1 document of every `/api` route (public, cacheable). */
export async function loader({ context }: LoaderFunctionArgs) {
  return Response.json(openApiDocument(context.app.config.APP_VERSION), {
    headers: { "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*" },
  });
}

export const action = methodNotAllowed;

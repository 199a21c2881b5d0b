import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { serveTheme } from "~/modules/licensing/branding.server";
import { AppError } from "~/utils/errors";

/** GET /branding/:organizationId/theme.css — a white-labelled organization's colours, as a same-origin stylesheet (the page CSP allows only `style-src 'self'`). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  try {
    return await serveTheme(context.app, params.organizationId ?? "", new URL(request.url).searchParams.get("v"));
  } catch (error) {
    if (error instanceof AppError) throw new Response("Not Found", { status: 404, headers: { "Content-Type": "text/plain" } });
    throw error;
  }
}

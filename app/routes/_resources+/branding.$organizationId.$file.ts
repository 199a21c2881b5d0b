import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { serveLogo } from "~/modules/licensing/branding.server";
import { AppError } from "~/utils/errors";

/** GET /branding/:organizationId/:file — white-label logos (public, immutable URLs). */
export async function loader({ params, context }: LoaderFunctionArgs) {
  try {
    return await serveLogo(context.app, params.organizationId ?? "", params.file ?? "");
  } catch (error) {
    if (error instanceof AppError) throw new Response("Not Found", { status: 404 });
    throw error;
  }
}

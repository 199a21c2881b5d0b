import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { serveImage } from "~/modules/marketplace/images.server";
import { AppError } from "~/utils/errors";

/** GET /avatars/:userId/:file — instructor photos (public, immutable URLs). */
export async function loader({ params, context }: LoaderFunctionArgs) {
  try {
    return await serveImage(context.app, "avatars", params.userId ?? "", params.file ?? "");
  } catch (error) {
    if (error instanceof AppError) throw new Response("Not Found", { status: 404, headers: { "Content-Type": "text/plain" } });
    throw error;
  }
}

import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { serveImage } from "~/modules/marketplace/images.server";
import { AppError } from "~/utils/errors";

/** GET /covers/:courseId/:file — uploaded course covers (public, immutable URLs). */
export async function loader({ params, context }: LoaderFunctionArgs) {
  try {
    return await serveImage(context.app, "covers", params.courseId ?? "", params.file ?? "");
  } catch (error) {
    if (error instanceof AppError) throw new Response("Not Found", { status: 404, headers: { "Content-Type": "text/plain" } });
    throw error;
  }
}

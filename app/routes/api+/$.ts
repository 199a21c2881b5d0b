import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { AppError, errorResponse } from "~/utils/errors";

/** Unknown `/api/*` paths answer with the JSON error body, not an HTML page. */
export async function loader({ context }: LoaderFunctionArgs) {
  return errorResponse(AppError.notFound("Endpoint"), context.app.requestId);
}
export const action = loader;

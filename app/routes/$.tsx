import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { errorMeta, GeneralErrorBoundary } from "~/components/error-boundary";
import { AppError, errorResponse } from "~/utils/errors";

/**
 * Any URL no other route matches: a real 404 for pages and for `/api/*`. The Worker entry also
 * renders requests it refused (e.g. a cross-site form post) through here, to show that refusal.
 */
export async function loader({ context }: LoaderFunctionArgs) {
  throw context.rejection ?? errorResponse(AppError.notFound("Page"));
}

export const action = loader;

export const meta = errorMeta;

export default function NotFound() {
  return null;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

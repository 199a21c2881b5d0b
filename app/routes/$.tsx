import { GeneralErrorBoundary } from "~/components/error-boundary";
import { AppError, errorResponse } from "~/utils/errors";

/** Any URL no other route matches: a real 404 for pages and for `/api/*`. */
export async function loader() {
  throw errorResponse(AppError.notFound("Page"));
}

export const action = loader;

export default function NotFound() {
  return null;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

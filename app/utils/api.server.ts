import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import type { AppContext } from "~/context.server";
import { assertSameOrigin } from "~/modules/auth/csrf.server";
import { AppError, errorResponse, toAppError } from "./errors";

type Handler = (args: { request: Request; params: LoaderFunctionArgs["params"]; app: AppContext }) => Promise<unknown>;

/**
 * Wraps an `/api/*` loader or action: plain results become JSON, thrown Responses (guards) pass
 * through, AppErrors become the JSON error body, and anything else is logged and reported as a
 * generic 500 with no internals.
 */
export function api(handler: Handler) {
  return async ({ request, params, context }: LoaderFunctionArgs | ActionFunctionArgs) => {
    const app = context.app;
    try {
      if (request.method !== "GET" && request.method !== "HEAD" && !request.headers.has("Authorization")) {
        assertSameOrigin(app, request);
      }
      const result = await handler({ request, params, app });
      if (result instanceof Response) return result;
      return Response.json(result, { headers: { "Cache-Control": "no-store" } });
    } catch (error) {
      if (error instanceof Response) return error;
      return errorResponse(reportedError(app, request, error), app.requestId);
    }
  };
}

/** The AppError to answer with; unexpected errors are logged here (and only their safe message is sent). */
export function reportedError(app: AppContext, request: Request, error: unknown): AppError {
  const appError = toAppError(error);
  if (appError.code === "internal") app.logger.error("api.unhandled_error", { error, path: new URL(request.url).pathname });
  return appError;
}

/** A loader or action for methods a route does not support. */
export const methodNotAllowed = async ({ context }: LoaderFunctionArgs) =>
  errorResponse(new AppError("method_not_allowed", "This endpoint does not support that method."), context.app.requestId);

/** Reads a JSON body or throws a 400 that says why. */
export async function readJson(request: Request): Promise<unknown> {
  const type = request.headers.get("Content-Type") ?? "";
  if (!type.includes("application/json")) {
    throw new AppError("bad_request", "Send a JSON body with Content-Type: application/json.");
  }
  try {
    return await request.json();
  } catch {
    throw new AppError("bad_request", "The request body is not valid JSON.");
  }
}

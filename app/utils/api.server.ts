import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/cloudflare";
import type { AppContext } from "~/context.server";
import { assertSameOrigin } from "~/utils/csrf.server";
import { readBodyLimited } from "./body.server";
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

/** The largest JSON body any `/api/*` route accepts unless it asks for another limit. */
export const JSON_BODY_LIMIT = 64 * 1024;

/**
 * The one JSON body reader of the API: `Content-Type: application/json`, at most `limit` bytes
 * (413 beyond, checked on Content-Length and again while reading, so a chunked body cannot slip
 * past), strict UTF-8, valid JSON (400 otherwise). Returns the parsed value untouched: the
 * service's strict zod schema decides what it means (nothing is coerced from JSON).
 * `allowEmpty` turns an empty body into `{}` for endpoints whose fields are all optional.
 */
export async function readJson(request: Request, opts: { limit?: number; allowEmpty?: boolean } = {}): Promise<unknown> {
  const limit = opts.limit ?? JSON_BODY_LIMIT;
  const declared = request.headers.get("Content-Length");
  if (opts.allowEmpty && (declared === "0" || (!request.body && declared === null))) return {};
  const mediaType = (request.headers.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/json") {
    throw new AppError("bad_request", "Send a JSON body with Content-Type: application/json.");
  }
  const bytes = await readBodyLimited(request, limit);
  if (bytes.byteLength === 0 && opts.allowEmpty) return {};
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AppError("bad_request", "The request body is not valid UTF-8.");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "The request body is not valid JSON.");
  }
}

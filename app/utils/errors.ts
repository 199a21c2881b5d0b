import * as z from "zod";

export const ERROR_CODES = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  payment_required: 402,
  forbidden: 403,
  csrf_failed: 403,
  feature_locked: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_conflict: 409,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  upstream_unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export type FieldErrors = Record<string, string[]>;

/** Marks AppErrors across module copies (see `Symbol.hasInstance` below). */
const APP_ERROR = Symbol.for("coursemint.AppError");

/**
 * The one error type of the app: a code, an HTTP status and a message that is safe to show.
 * Anything else that escapes a handler is reported as `internal` with a generic message.
 */
export class AppError extends Error {
  /**
   * The Worker bundles the Remix server build (routes) beside the Worker entry (capabilities,
   * queues, cron), so this class can exist twice in one isolate; `instanceof` checks the brand
   * instead of the prototype so an AppError thrown by one copy is recognised by the other.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[APP_ERROR] === true;
  }
  readonly [APP_ERROR] = true;
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: unknown; status?: number; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code];
    this.details = options.details;
    this.headers = options.headers;
  }

  static validation(fieldErrors: FieldErrors, message = "Some fields are invalid.") {
    return new AppError("validation_failed", message, { details: { fieldErrors } });
  }
  static notFound(what = "Resource") {
    return new AppError("not_found", `${what} not found.`);
  }
  static forbidden(message = "You do not have permission to do that.") {
    return new AppError("forbidden", message);
  }
  static unauthenticated(message = "Sign in to continue.") {
    return new AppError("unauthenticated", message);
  }
}

/** Flattens a ZodError into `{ "field.path": ["message", ...] }`; form-level errors go under "_form". */
export function zodFieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join(".") : "_form";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** Normalizes anything thrown into an AppError; unknown errors become a generic internal error. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) return AppError.validation(zodFieldErrors(error));
  return new AppError("internal", "Something went wrong on our side. Please try again.", { cause: error });
}

export function errorBody(error: AppError) {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}

/** The JSON response every `/api/*` route returns for an error. */
export function errorResponse(error: AppError, requestId?: string): Response {
  const headers = new Headers(error.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  if (requestId) headers.set("X-Request-Id", requestId);
  return new Response(JSON.stringify(errorBody(error)), { status: error.status, headers });
}

/** Parses `input` with `schema` or throws a 400 AppError with field errors. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw AppError.validation(zodFieldErrors(result.error));
  return result.data;
}

import { data, type HeadersFunction } from "@remix-run/cloudflare";
import type * as z from "zod";
import type { AppContext } from "~/context.server";
import { assertCsrf } from "~/utils/csrf.server";
import { readBodyLimited } from "./body.server";
import { AppError, errorResponse, toAppError, zodFieldErrors, type FieldErrors } from "./errors";

export type FormResult = { errors?: FieldErrors; values?: Record<string, string>; ok?: string };

/** The largest urlencoded page form any page accepts (uploads stream through their own parser). */
export const FORM_BODY_LIMIT = 64 * 1024;
const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

/**
 * The one page form reader: a form media type (415 otherwise), at most FORM_BODY_LIMIT bytes
 * (413), a body that parses (400), then the CSRF token (403) before anything else. Each refusal
 * is thrown as our JSON error Response, which the error boundary shows as the error page with
 * that status and message, never a 500. The request itself stays readable (remix-auth reads it).
 */
export async function readForm(app: AppContext, request: Request) {
  const type = request.headers.get("Content-Type") ?? "";
  const mediaType = type.split(";")[0]!.trim().toLowerCase();
  if (!FORM_TYPES.includes(mediaType)) {
    throw pageError(app, new AppError("unsupported_media_type", "This page only accepts its own form. Go back and submit it again."));
  }
  let form: FormData;
  try {
    const bytes = await readBodyLimited(request.clone() as Request, FORM_BODY_LIMIT);
    form = await new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "Content-Type": type } }).formData();
  } catch (error) {
    if (error instanceof AppError) throw pageError(app, error);
    throw pageError(app, new AppError("bad_request", "The form could not be read. Go back and submit it again."));
  }
  assertCsrf(app, request, form);
  return form;
}

/**
 * The one query-string reader for pages and the API: `schema` over the URL's parameters (strings
 * only), or a 400 with field errors, thrown as our JSON error Response (the error page for pages).
 */
export function readQuery<S extends z.ZodType>(app: AppContext, request: Request, schema: S): z.output<S> {
  return parseQuery(app, schema, Object.fromEntries(new URL(request.url).searchParams));
}

/** As readQuery, for parameters a loader has already picked out of the URL. */
export function parseQuery<S extends z.ZodType>(app: AppContext, schema: S, params: Record<string, string | undefined>): z.output<S> {
  const result = schema.safeParse(params);
  if (!result.success) throw pageError(app, AppError.validation(zodFieldErrors(result.error), "Some parameters in the address are invalid."));
  return result.data;
}

/** An AppError as the thrown Response that pages (error boundary) and `api()` both understand. */
export function pageError(app: AppContext, error: AppError) {
  app.logger.info("request.rejected", { code: error.code, status: error.status });
  return errorResponse(error, app.requestId);
}

/** The submitted text fields, minus secrets, to re-fill the form after an error. */
export function keptValues(form: FormData, omit: string[] = ["password", "currentPassword", "confirmPassword", "csrf"]) {
  const values: Record<string, string> = {};
  for (const [key, value] of form) if (typeof value === "string" && !omit.includes(key)) values[key] = value;
  return values;
}

/**
 * Turns an error from a page action into a re-render of the form: field errors (400) or a form
 * message with the error's status. Unexpected errors are rethrown to the error boundary.
 */
export function formError(app: AppContext, error: unknown, values: Record<string, string>) {
  if (error instanceof Response) throw error;
  const appError = toAppError(error);
  if (appError.code === "internal") throw error;
  const details = appError.details as { fieldErrors?: FieldErrors } | undefined;
  const errors = details?.fieldErrors ?? { _form: [appError.message] };
  app.logger.info("form.rejected", { code: appError.code, fields: Object.keys(errors) });
  return data<FormResult>({ errors, values }, { status: appError.status, headers: appError.headers });
}

/**
 * Form fields and query values are strings; a whole-number string becomes a number and anything
 * else is passed on unchanged, so the strict schema rejects it with its own message. This is the
 * only string-to-number step: JSON bodies are never coerced.
 */
export function integerFromString(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  return /^[+-]?\d{1,15}$/.test(trimmed) ? Number(trimmed) : value;
}

/** A form route's `headers` when its action may answer 429: the action's Retry-After reaches the document response. */
export const retryAfterHeaders: HeadersFunction = ({ actionHeaders }) => {
  const headers = new Headers();
  const retryAfter = actionHeaders.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
};

import { data } from "@remix-run/cloudflare";
import type { AppContext } from "~/context.server";
import { assertCsrf } from "~/modules/auth/csrf.server";
import { toAppError, type FieldErrors } from "./errors";

export type FormResult = { errors?: FieldErrors; values?: Record<string, string>; ok?: string };

/** Reads a page form and checks its CSRF token before anything else. */
export async function readForm(app: AppContext, request: Request) {
  const form = await request.clone().formData();
  assertCsrf(app, request, form);
  return form;
}

/** The submitted text fields, minus secrets, to re-fill the form after an error. */
export function keptValues(form: FormData, omit: string[] = ["password", "csrf"]) {
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

/**
 * Form glue of the instructor's course pages (instructor.courses.new, instructor.courses.$courseId):
 * HTTP-side conversions between what the page sends and what the marketplace services take.
 * Not a route: vite.config.ts ignores `*.server.ts` files in app/routes.
 */
import type { AppContext } from "~/context.server";
import { csrfFromCookie } from "~/utils/csrf.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { AppError, type FieldErrors } from "~/utils/errors";
import { integerFromString } from "~/utils/forms.server";
import { currencySchema, parseMajorUnits } from "~/utils/money";
import { priceFieldMessage } from "~/modules/marketplace/rules";
import { uploadCourse } from "~/modules/marketplace/courses.server";

/**
 * People type prices as "19.99"; the services take integer minor units. Converts `price` to
 * `priceAmount` exactly (string arithmetic), or to an invalid marker the schema rejects.
 */
export function priceFieldToMinor(fields: Record<string, string>): Record<string, string> {
  const { price, ...rest } = fields;
  if (price === undefined) return rest;
  if (price.trim() === "") return { ...rest, priceAmount: "" };
  const currency = currencySchema.safeParse(rest.currency || "usd");
  const amount = currency.success ? parseMajorUnits(price, currency.data) : null;
  return { ...rest, priceAmount: amount === null ? "not-a-price" : String(amount) };
}

/** The edit form's fields for updateCourse: the typed price as integer minor units (a number). */
export function courseEditFields(fields: Record<string, string>): Record<string, unknown> {
  const converted = priceFieldToMinor(fields);
  return "priceAmount" in converted ? { ...converted, priceAmount: integerFromString(converted.priceAmount) } : converted;
}

/**
 * Field errors of the services use `priceAmount` (integer minor units, the API's wording); the
 * page's input is `price`, typed like 19.99, so its message says that in the page's terms.
 */
export function pageFieldErrors(errors: FieldErrors, currency: string = "usd"): FieldErrors {
  const { priceAmount, ...rest } = errors;
  if (!priceAmount) return rest;
  // Only the schema's "minor units" wording is rephrased; a rule's own sentence (a sale running) stays.
  return { ...rest, price: [...new Set(priceAmount.map((m) => (m.includes("minor units") ? priceFieldMessage(currency) : m)))] };
}

/** The upload form's multipart submission (no JavaScript): CSRF checked before any file is stored. */
export async function uploadFromPage(app: AppContext, user: SessionUser, request: Request, kept: Record<string, string> = {}) {
  const csrf = csrfFromCookie(request);
  if (csrf.isNew) throw new AppError("csrf_failed", "Your form expired. Reload the page and try again.");
  try {
    return await uploadCourse(app, user, request, { csrfToken: csrf.token, transform: priceFieldToMinor, onFields: (f) => Object.assign(kept, f) });
  } catch (error) {
    if (error instanceof AppError && error.code === "validation_failed") {
      const details = error.details as { fieldErrors: FieldErrors };
      throw AppError.validation(pageFieldErrors(details.fieldErrors, kept.currency), error.message);
    }
    throw error;
  }
}

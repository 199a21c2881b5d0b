import type { AppContext } from "~/context.server";
import { csrfFromCookie } from "~/modules/auth/csrf.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { AppError, type FieldErrors } from "~/utils/errors";
import { integerFromString } from "~/utils/forms.server";
import { currencySchema } from "~/utils/money";
import { uploadCourse } from "./courses.server";
import { parseMajorUnits } from "./rules";

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

/** Field errors of the services use `priceAmount`; the page's input is `price`. */
export function pageFieldErrors(errors: FieldErrors): FieldErrors {
  const { priceAmount, ...rest } = errors;
  return priceAmount ? { ...rest, price: priceAmount } : rest;
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
      throw AppError.validation(pageFieldErrors(details.fieldErrors), error.message);
    }
    throw error;
  }
}

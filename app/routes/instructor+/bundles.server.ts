import type { AppContext } from "~/context.server";
import { parseAmount, type Currency } from "~/utils/money";
import { AppError } from "~/utils/errors";

/**
 * The bundle editor's form as the service's input: the price is typed in major units ("49.99"),
 * the courses are checkboxes with a position field each (`position-<courseId>`), kept in that order.
 */
export function bundleFormInput(app: AppContext, form: FormData) {
  const currency = (String(form.get("currency") || "usd") as Currency) ?? "usd";
  const price = parseAmount(String(form.get("price") ?? ""), currency in { usd: 1, eur: 1, gbp: 1, jpy: 1 } ? currency : "usd");
  if (!price.ok) throw AppError.validation({ price: ["Enter a price like 49.99"] });
  const chosen = form.getAll("courseIds").map(String);
  const position = (id: string) => {
    const n = Number(form.get(`position-${id}`));
    return Number.isFinite(n) ? n : 1_000;
  };
  const courseIds = chosen.map((id, i) => ({ id, at: position(id), i })).sort((a, b) => a.at - b.at || a.i - b.i).map((x) => x.id);
  void app;
  return { title: String(form.get("title") ?? ""), description: String(form.get("description") ?? ""), priceAmount: price.amount, currency, courseIds };
}

/** Field errors of the service speak of `priceAmount`; the page's field is `price`. */
export function pageErrors(error: unknown) {
  if (error instanceof AppError && error.details && typeof error.details === "object" && "fieldErrors" in error.details) {
    const fields = { ...(error.details as { fieldErrors: Record<string, string[]> }).fieldErrors };
    if (fields.priceAmount) {
      fields.price = fields.priceAmount;
      delete fields.priceAmount;
    }
    return new AppError(error.code, error.message, { details: { fieldErrors: fields } });
  }
  return error;
}

// zod-free on purpose: app/utils/format.ts (loaded by the client entry before any zod schema may
// be created, see app/utils/zod-config.ts) formats money through this file; app/utils/money.ts
// re-exports it with the schemas and the arithmetic.

/** Currencies Coursemint sells in, with their minor-unit scale fixed up front. */
export const CURRENCIES = { usd: 2, eur: 2, gbp: 2, aud: 2, cad: 2, jpy: 0 } as const;
export type Currency = keyof typeof CURRENCIES;

/** One currency formatter per (locale, currency) per isolate: building one costs more than formatting (bounded: locales come from requests). */
const MONEY_FORMATS = new Map<string, Intl.NumberFormat>();

/** Formats minor units for display, e.g. formatMoney(1999, "usd") → "$19.99". */
export function formatMoney(amount: number, currency: Currency, locale = "en-US"): string {
  const scale = CURRENCIES[currency];
  const key = `${locale}|${currency}`;
  let format = MONEY_FORMATS.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: "currency", currency: currency.toUpperCase(), minimumFractionDigits: scale, maximumFractionDigits: scale });
    if (MONEY_FORMATS.size >= 500) MONEY_FORMATS.delete(MONEY_FORMATS.keys().next().value!);
    MONEY_FORMATS.set(key, format);
  }
  return format.format(amount / 10 ** scale);
}

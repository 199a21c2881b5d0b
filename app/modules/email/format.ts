import { formatMoney, type Currency } from "~/utils/money";

/** "March 5, 2026 at 14:07 UTC": dates in emails are always shown in UTC, and say so. */
export function formatDateTime(epochMs: number): string {
  const d = new Date(epochMs);
  const date = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(d);
  const time = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "UTC" }).format(d);
  return `${date} at ${time} UTC`;
}

/** "March 5, 2026" (UTC calendar day). */
export function formatDate(epochMs: number): string {
  return new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(new Date(epochMs));
}

/** "$19.99 USD": the symbol alone is ambiguous across dollar currencies, so the code follows. */
export function formatAmount(amount: number, currency: Currency): string {
  return `${formatMoney(amount, currency)} ${currency.toUpperCase()}`;
}

export function formatTokens(amount: number): string {
  return `${new Intl.NumberFormat("en-US").format(amount)} ${Math.abs(amount) === 1 ? "token" : "tokens"}`;
}

import { sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";

export const taxReportSchema = z.object({
  from: z.string().regex(/^\d{4}-\d{2}$/, "A month like 2026-12").optional().or(z.literal("").transform(() => undefined)),
  to: z.string().regex(/^\d{4}-\d{2}$/, "A month like 2026-12").optional().or(z.literal("").transform(() => undefined)),
});

export type TaxReportRow = {
  month: string;
  country: string;
  state: string | null;
  jurisdiction: string;
  currency: string;
  /** Tax in sales recorded that month (paid payments, by the month they succeeded). */
  taxCollected: number;
  /** Tax given back in refunds that month (by the month the refund succeeded). */
  taxRefunded: number;
  /** What is due: collected − refunded. */
  taxNet: number;
  /** Sales net of tax, less refunds net of their tax. */
  netSales: number;
  sales: number;
  refunds: number;
  /** Reverse-charged sales (the buyer accounts for the VAT), net of refunds. */
  reverseChargeSales: number;
};

const month = (column: string) => `strftime('%Y-%m', ${column} / 1000, 'unixepoch')`;

/**
 * The tax report for filing (docs/tax.md): by month, jurisdiction (country and, in the US and Canada,
 * state or province) and currency, the tax collected in sales and given back in refunds, netted. Two
 * grouped reads in one D1 batch; every amount in minor units of its currency (never converted).
 */
export async function taxReport(app: AppContext, filter: { from?: string; to?: string }): Promise<TaxReportRow[]> {
  const range = (column: string) =>
    sql.raw(`${filter.from ? ` and ${month(column)} >= '${filter.from}'` : ""}${filter.to ? ` and ${month(column)} <= '${filter.to}'` : ""}`);
  const [sales, refunded] = await app.db.batch([
    app.db.all<{ month: string; country: string | null; state: string | null; jurisdiction: string | null; currency: string; tax: number; net: number; n: number; reverse: number }>(sql`
      select ${sql.raw(month("succeeded_at"))} as month, tax_country as country, tax_state as state, tax_jurisdiction as jurisdiction, currency,
             sum(tax_amount) as tax, sum(amount - tax_amount) as net, count(*) as n,
             sum(case when tax_reverse_charge then amount - tax_amount else 0 end) as reverse
      from payments
      where tax_recorded_at is not null and succeeded_at is not null and status in ('succeeded', 'partially_refunded', 'refunded')${range("succeeded_at")}
      group by 1, 2, 3, 4, 5`),
    app.db.all<{ month: string; country: string | null; state: string | null; jurisdiction: string | null; currency: string; tax: number; net: number; n: number; reverse: number }>(sql`
      select ${sql.raw(month("r.updated_at"))} as month, p.tax_country as country, p.tax_state as state, p.tax_jurisdiction as jurisdiction, p.currency as currency,
             sum(r.tax_amount) as tax, sum(r.amount - r.tax_amount) as net, count(*) as n,
             sum(case when p.tax_reverse_charge then r.amount - r.tax_amount else 0 end) as reverse
      from refunds r join payments p on p.id = r.payment_id
      where r.status = 'succeeded' and p.tax_recorded_at is not null${range("r.updated_at")}
      group by 1, 2, 3, 4, 5`),
  ]);
  const rows = new Map<string, TaxReportRow>();
  const row = (r: { month: string; country: string | null; state: string | null; jurisdiction: string | null; currency: string }) => {
    const key = [r.month, r.country, r.state, r.jurisdiction, r.currency].join("|");
    let found = rows.get(key);
    if (!found) {
      found = { month: r.month, country: r.country ?? "—", state: r.state, jurisdiction: r.jurisdiction ?? "No tax collected", currency: r.currency, taxCollected: 0, taxRefunded: 0, taxNet: 0, netSales: 0, sales: 0, refunds: 0, reverseChargeSales: 0 };
      rows.set(key, found);
    }
    return found;
  };
  for (const s of sales) Object.assign(row(s), { taxCollected: s.tax, sales: s.n, netSales: s.net, reverseChargeSales: s.reverse });
  for (const r of refunded) {
    const target = row(r);
    target.taxRefunded = r.tax;
    target.refunds = r.n;
    target.netSales -= r.net;
    target.reverseChargeSales -= r.reverse;
  }
  for (const r of rows.values()) r.taxNet = r.taxCollected - r.taxRefunded;
  return [...rows.values()].sort((a, b) => b.month.localeCompare(a.month) || a.country.localeCompare(b.country) || (a.state ?? "").localeCompare(b.state ?? "") || a.currency.localeCompare(b.currency));
}

const csvCell = (v: string | number | null) => {
  const s = v === null ? "" : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The report as CSV (amounts in minor units, as the database keeps them). */
export function taxReportCsv(rows: TaxReportRow[]): string {
  const header = ["month", "country", "state", "jurisdiction", "currency", "tax_collected", "tax_refunded", "tax_net", "net_sales", "sales", "refunds", "reverse_charge_sales"];
  const lines = rows.map((r) => [r.month, r.country, r.state, r.jurisdiction, r.currency, r.taxCollected, r.taxRefunded, r.taxNet, r.netSales, r.sales, r.refunds, r.reverseChargeSales].map(csvCell).join(","));
  return [header.join(","), ...lines].join("\n") + "\n";
}

import type { Currency } from "~/utils/money";

/*
 * Tax policy (docs/tax.md), the one place it is set. Stripe Tax computes the tax at Checkout from the
 * buyer's billing address and tax ID; what Coursemint decides is whether its prices already include
 * tax, per currency, and who the seller is on receipts. Pure: safe in browser code (pages print
 * "incl. VAT" / "plus tax" from it).
 */
export const TAX_POLICY = {
  /**
   * Whether a price in this currency includes tax (Stripe's `tax_behavior`): consumer prices in
   * Europe and Australia are quoted with VAT/GST inside; US and Canadian prices are quoted before
   * sales tax, which Checkout adds.
   */
  pricesIncludeTax: { eur: true, gbp: true, aud: true, jpy: true, usd: false, cad: false } satisfies Record<Currency, boolean>,
  /** The seller printed on receipts (Stripe Tax's head office: the emulator's is the same, workers/stripe-emulator/tax.ts). */
  seller: { name: "Coursemint Ltd", address: "1 Grand Canal Square, Dublin 2, D02 P820, Ireland", taxId: "IE6388047V", taxIdLabel: "VAT" },
  /** Collected at Checkout for every paid course: the billing address (tax location) and, for businesses, a tax ID. */
  collectBillingAddress: "required" as const,
  collectTaxIds: true,
} as const;

export type TaxBehavior = "inclusive" | "exclusive";

export const taxBehaviorFor = (currency: Currency): TaxBehavior => (TAX_POLICY.pricesIncludeTax[currency] ? "inclusive" : "exclusive");

/** What a price tag adds: "incl. VAT" (EUR, GBP), "incl. GST" (AUD), "incl. tax" (JPY), or "plus tax" (USD, CAD). */
export function priceTaxNote(currency: Currency): string {
  if (!TAX_POLICY.pricesIncludeTax[currency]) return "plus tax";
  return currency === "aud" ? "incl. GST" : currency === "jpy" ? "incl. tax" : "incl. VAT";
}

/** A rate in thousandths of a percent as people write it: 19000 → "19 %", 8875 → "8.875 %". */
export const formatTaxRate = (milli: number) => `${Number((milli / 1000).toFixed(3))} %`;

/** The tax name by Stripe's tax type. */
export const TAX_TYPE_NAMES: Record<string, string> = { vat: "VAT", gst: "GST", hst: "HST", sales_tax: "Sales tax", pst: "PST", qst: "QST" };

/** A payment's recorded tax as receipts and reports describe it. */
export type PaymentTax = {
  amount: number;
  behavior: TaxBehavior | null;
  rateMilli: number | null;
  country: string | null;
  state: string | null;
  jurisdiction: string | null;
  type: string | null;
  reason: string | null;
  reverseCharge: boolean;
  buyerTaxId: string | null;
  buyerTaxIdType: string | null;
  buyerBusinessName: string | null;
  buyerAddress: Record<string, string | null> | null;
};

/** The receipt's tax line: "VAT 19 % (Germany), included", "Sales tax 4 % (New York)", "Reverse charge". */
export function taxLineLabel(tax: PaymentTax): string {
  const name = TAX_TYPE_NAMES[tax.type ?? ""] ?? "Tax";
  if (tax.reverseCharge) return `${name} 0 % — reverse charge`;
  if (tax.reason === "not_collecting") return "No tax collected for this location";
  if (tax.reason === "customer_exempt") return `${name} — tax exempt`;
  if (tax.reason === "not_subject_to_tax") return `${name} — not taxable here`;
  const where = tax.jurisdiction ? ` (${tax.jurisdiction})` : "";
  return `${name} ${formatTaxRate(tax.rateMilli ?? 0)}${where}${tax.behavior === "inclusive" ? ", included" : ""}`;
}

/** The wording the EU requires on a reverse-charged invoice. */
export const REVERSE_CHARGE_NOTE = "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC).";

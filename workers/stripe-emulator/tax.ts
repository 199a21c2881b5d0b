// Stripe Tax, emulated: where the emulated account is registered to collect tax, at which rates, and
// how a Checkout Session's tax follows from the buyer's address, tax IDs and the prices' tax
// behaviour. The numbers are the standard rates for digital services sold to consumers (the EU's at
// the buyer's member state, as the one-stop shop has it). Simplifications, on purpose: one rate per
// jurisdiction (no US local/county rates, no Canadian PST/QST, no reduced rates), and a tax ID counts
// as valid when its format is (as Stripe Tax decides reverse charge; verification is not emulated).
import type { Obj } from "./store";

/** The emulated account's head office (Stripe Tax settings): an Irish company with an EU VAT number. */
export const HEAD_OFFICE = { country: "IE", vatId: "IE6388047V" } as const;

/**
 * The country the hosted page preselects when the buyer has not chosen one. Stripe preselects it
 * from the buyer's IP address; the emulator has none, so it is Switzerland, where the emulated account
 * is not registered: a buyer who does not choose pays no tax, and tests that are not about tax are
 * not changed by it.
 */
export const DEFAULT_BUYER_COUNTRY = "CH";

type Jurisdiction = {
  country: string;
  state: string | null;
  /** Shown as Stripe's `tax_rate.jurisdiction`. */
  name: string;
  /** Percent, e.g. 19 or 8.875. */
  percentage: number;
  taxType: "vat" | "gst" | "hst" | "sales_tax";
  level: "country" | "state";
  /** False where digital services are not taxed (California): Stripe says `not_subject_to_tax`. */
  taxable?: boolean;
};

/** EU member states' standard VAT rates (Greece's VAT numbers start with EL). */
export const EU_VAT: Record<string, { name: string; percentage: number }> = {
  AT: { name: "Austria", percentage: 20 },
  BE: { name: "Belgium", percentage: 21 },
  BG: { name: "Bulgaria", percentage: 20 },
  HR: { name: "Croatia", percentage: 25 },
  CY: { name: "Cyprus", percentage: 19 },
  CZ: { name: "Czech Republic", percentage: 21 },
  DK: { name: "Denmark", percentage: 25 },
  EE: { name: "Estonia", percentage: 24 },
  FI: { name: "Finland", percentage: 25.5 },
  FR: { name: "France", percentage: 20 },
  DE: { name: "Germany", percentage: 19 },
  GR: { name: "Greece", percentage: 24 },
  HU: { name: "Hungary", percentage: 27 },
  IE: { name: "Ireland", percentage: 23 },
  IT: { name: "Italy", percentage: 22 },
  LV: { name: "Latvia", percentage: 21 },
  LT: { name: "Lithuania", percentage: 21 },
  LU: { name: "Luxembourg", percentage: 17 },
  MT: { name: "Malta", percentage: 18 },
  NL: { name: "Netherlands", percentage: 21 },
  PL: { name: "Poland", percentage: 23 },
  PT: { name: "Portugal", percentage: 23 },
  RO: { name: "Romania", percentage: 21 },
  SK: { name: "Slovakia", percentage: 23 },
  SI: { name: "Slovenia", percentage: 22 },
  ES: { name: "Spain", percentage: 21 },
  SE: { name: "Sweden", percentage: 25 },
};

/** US states where the account is registered (state rates only). */
const US_STATES: Record<string, Omit<Jurisdiction, "country" | "state" | "taxType" | "level">> = {
  NY: { name: "New York", percentage: 4 },
  CA: { name: "California", percentage: 7.25, taxable: false },
  TX: { name: "Texas", percentage: 6.25 },
  WA: { name: "Washington", percentage: 6.5 },
};

/** Canada: HST in the harmonized provinces, GST elsewhere. */
const CA_PROVINCES: Record<string, { name: string; percentage: number; taxType: "gst" | "hst" }> = {
  AB: { name: "Alberta", percentage: 5, taxType: "gst" },
  BC: { name: "British Columbia", percentage: 5, taxType: "gst" },
  MB: { name: "Manitoba", percentage: 5, taxType: "gst" },
  NB: { name: "New Brunswick", percentage: 15, taxType: "hst" },
  NL: { name: "Newfoundland and Labrador", percentage: 15, taxType: "hst" },
  NS: { name: "Nova Scotia", percentage: 14, taxType: "hst" },
  NT: { name: "Northwest Territories", percentage: 5, taxType: "gst" },
  NU: { name: "Nunavut", percentage: 5, taxType: "gst" },
  ON: { name: "Ontario", percentage: 13, taxType: "hst" },
  PE: { name: "Prince Edward Island", percentage: 15, taxType: "hst" },
  QC: { name: "Quebec", percentage: 5, taxType: "gst" },
  SK: { name: "Saskatchewan", percentage: 5, taxType: "gst" },
  YT: { name: "Yukon", percentage: 5, taxType: "gst" },
};

/** The jurisdiction an address is taxed in, or null where the account does not collect. */
export function jurisdictionFor(address: { country?: string | null; state?: string | null }): Jurisdiction | null {
  const country = (address.country ?? "").toUpperCase();
  const state = (address.state ?? "").toUpperCase();
  const eu = EU_VAT[country];
  if (eu) return { country, state: null, name: eu.name, percentage: eu.percentage, taxType: "vat", level: "country" };
  if (country === "GB") return { country, state: null, name: "United Kingdom", percentage: 20, taxType: "vat", level: "country" };
  if (country === "AU") return { country, state: null, name: "Australia", percentage: 10, taxType: "gst", level: "country" };
  if (country === "US" && US_STATES[state]) return { country, state, taxType: "sales_tax", level: "state", ...US_STATES[state]! };
  if (country === "CA" && CA_PROVINCES[state]) {
    const p = CA_PROVINCES[state]!;
    return { country, state, name: p.taxType === "hst" ? `Canada (${p.name})` : "Canada", percentage: p.percentage, taxType: p.taxType, level: p.taxType === "hst" ? "state" : "country" };
  }
  return null;
}

/** Which address fields the tax location needs in a country (Stripe's `requires_location_inputs`). */
export const needsState = (country: string) => country === "US" || country === "CA";

/** Tax ID formats by type (EU VAT by member-state prefix). */
const EU_VAT_FORMATS: Record<string, RegExp> = {
  AT: /^ATU\d{8}$/, BE: /^BE[01]\d{9}$/, BG: /^BG\d{9,10}$/, HR: /^HR\d{11}$/, CY: /^CY\d{8}[A-Z]$/, CZ: /^CZ\d{8,10}$/,
  DK: /^DK\d{8}$/, EE: /^EE\d{9}$/, FI: /^FI\d{8}$/, FR: /^FR[0-9A-Z]{2}\d{9}$/, DE: /^DE\d{9}$/, EL: /^EL\d{9}$/,
  HU: /^HU\d{8}$/, IE: /^IE\d[0-9A-Z+*]\d{5}[A-Z]{1,2}$/, IT: /^IT\d{11}$/, LV: /^LV\d{11}$/, LT: /^LT(\d{9}|\d{12})$/,
  LU: /^LU\d{8}$/, MT: /^MT\d{8}$/, NL: /^NL\d{9}B\d{2}$/, PL: /^PL\d{10}$/, PT: /^PT\d{9}$/, RO: /^RO\d{2,10}$/,
  SK: /^SK\d{10}$/, SI: /^SI\d{8}$/, ES: /^ES[0-9A-Z]\d{7}[0-9A-Z]$/, SE: /^SE\d{12}$/,
};
const OTHER_FORMATS: Record<string, RegExp> = {
  gb_vat: /^GB(\d{9}|\d{12})$/,
  au_abn: /^\d{11}$/,
  ca_bn: /^\d{9}$/,
  us_ein: /^\d{2}-?\d{7}$/,
};

/** The tax ID type the hosted page offers in a country. */
export function taxIdTypeFor(country: string): string | null {
  const c = country.toUpperCase();
  if (EU_VAT[c]) return "eu_vat";
  if (c === "GB") return "gb_vat";
  if (c === "AU") return "au_abn";
  if (c === "CA") return "ca_bn";
  if (c === "US") return "us_ein";
  return null;
}

/** Normalizes (spaces, dots and dashes out, upper case) and checks a tax ID's format; null when invalid. */
export function validTaxId(type: string, raw: string): string | null {
  const value = raw.replace(/[\s.]/g, "").toUpperCase();
  if (type === "eu_vat") {
    const format = EU_VAT_FORMATS[value.slice(0, 2)];
    return format?.test(value) ? value : null;
  }
  const format = OTHER_FORMATS[type];
  const compact = type === "us_ein" ? value : value.replace(/-/g, "");
  return format?.test(compact) ? compact : null;
}

/** The member state of an EU VAT number (EL is Greece). */
const vatCountry = (value: string) => (value.startsWith("EL") ? "GR" : value.slice(0, 2));

export type TaxLine = { amount: number; taxBehavior: "inclusive" | "exclusive" };
export type TaxResult = {
  /** Per line: the tax, and the line's total (exclusive tax is added, inclusive tax is inside). */
  lines: Array<{ tax: number; total: number; taxable: number }>;
  amountTax: number;
  taxabilityReason: string;
  jurisdiction: Jurisdiction | null;
  /** Stripe's TaxRate object for the breakdown (a zero rate where nothing is collected). */
  rate: (created: number) => Obj;
};

/** Round half up of a / b for non-negative integers. */
const roundDiv = (a: number, b: number) => Math.floor((2 * a + b) / (2 * b));

/**
 * The tax of a session's lines for a buyer. Reverse charge: an EU (or UK) business with a valid VAT
 * number of its own country, buying from a seller established elsewhere, accounts for the VAT itself
 * (0 charged). A customer whose `tax_exempt` is `exempt` pays none; `reverse` is reverse charge.
 * Where the account is not registered, nothing is collected (`not_collecting`).
 */
export function computeTax(input: {
  lines: TaxLine[];
  address: { country?: string | null; state?: string | null };
  taxIds: Array<{ type: string; value: string }>;
  taxExempt: "none" | "exempt" | "reverse";
  currency: string;
}): TaxResult {
  const j = jurisdictionFor(input.address);
  const country = (input.address.country ?? "").toUpperCase();
  const business = input.taxIds.some(
    (t) => (t.type === "eu_vat" && EU_VAT[country] && vatCountry(t.value) === (country === "GR" ? "GR" : country)) || (t.type === "gb_vat" && country === "GB"),
  );
  let reason: string;
  let percentage = 0;
  if (!j) reason = "not_collecting";
  else if (input.taxExempt === "exempt") reason = "customer_exempt";
  else if (input.taxExempt === "reverse" || (business && country !== HEAD_OFFICE.country)) reason = "reverse_charge";
  else if (j.taxable === false) reason = "not_subject_to_tax";
  else {
    reason = "standard_rated";
    percentage = j.percentage;
  }
  const milli = Math.round(percentage * 1000); // thousandths of a percent: 8.875 % → 8875
  const lines = input.lines.map((line) => {
    if (!milli) return { tax: 0, total: line.amount, taxable: line.amount };
    if (line.taxBehavior === "inclusive") {
      const tax = roundDiv(line.amount * milli, 100_000 + milli);
      return { tax, total: line.amount, taxable: line.amount - tax };
    }
    const tax = roundDiv(line.amount * milli, 100_000);
    return { tax, total: line.amount + tax, taxable: line.amount };
  });
  const inclusive = input.lines.every((l) => l.taxBehavior === "inclusive");
  const displayName = j ? (j.taxType === "vat" ? "VAT" : j.taxType === "gst" ? "GST" : j.taxType === "hst" ? "HST" : "Sales tax") : "Tax";
  return {
    lines,
    amountTax: lines.reduce((s, l) => s + l.tax, 0),
    taxabilityReason: reason,
    jurisdiction: j,
    rate: (created) => ({
      id: `txr_${(j ? `${j.country}${j.state ?? ""}` : country || "XX").toLowerCase()}_${milli}_${inclusive ? "inc" : "exc"}`,
      object: "tax_rate",
      active: true,
      country: j?.country ?? (country || null),
      created,
      description: null,
      display_name: displayName,
      effective_percentage: percentage,
      flat_amount: null,
      inclusive,
      jurisdiction: j?.name ?? null,
      jurisdiction_level: j?.level ?? null,
      livemode: false,
      metadata: {},
      percentage,
      rate_type: "percentage",
      state: j?.state ?? null,
      tax_type: j?.taxType ?? null,
    }),
  };
}

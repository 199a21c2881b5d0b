// The browser-facing pages Stripe would host: Checkout, Connect onboarding, a hosted invoice.
import { TEST_CARDS } from "./cards";
import type { Obj } from "./store";
import { DEFAULT_BUYER_COUNTRY } from "./tax";

const esc = (s: unknown) =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export const money = (amount: number, currency: string) =>
  `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;

function layout(title: string, body: string) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f6f9fc;color:#1a1f36;margin:0;padding:2rem}
main{max-width:28rem;margin:auto;background:#fff;border-radius:8px;padding:2rem;box-shadow:0 2px 8px #0002}
.badge{display:inline-block;background:#ffde92;color:#8a5000;font-size:.75rem;padding:.1rem .5rem;border-radius:4px}
label{display:block;margin-top:1rem;font-size:.9rem}
input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #ccd;border-radius:4px}
fieldset{border:1px solid #e3e8ee;border-radius:6px;margin-top:1rem}select{width:100%;padding:.6rem;font-size:1rem}
button.secondary{background:#fff;color:#635bff;border:1px solid #635bff}
button{margin-top:1.5rem;width:100%;padding:.8rem;font-size:1rem;background:#635bff;color:#fff;border:0;border-radius:4px;cursor:pointer}
table{width:100%;border-collapse:collapse;margin:1rem 0}td{padding:.3rem 0}td:last-child{text-align:right}
.error{background:#fde8e8;color:#a4000f;padding:.7rem;border-radius:4px;margin-top:1rem}
.hint{font-size:.8rem;color:#697386}
</style></head><body><main><p><span class="badge">TEST MODE · Stripe emulator</span></p>${body}</main></body></html>`;
}

/** The hosted Checkout form's fields (the card's and the buyer's), kept when the page is shown again. */
export const CHECKOUT_FIELDS = ["name", "email", "card", "country", "state", "postal_code", "line1", "city", "business_name", "tax_id"] as const;

/** Countries offered by the hosted page's address (those with tax configured, and a few without). */
const COUNTRIES: Array<[string, string]> = [
  ["AT", "Austria"], ["AU", "Australia"], ["BE", "Belgium"], ["BR", "Brazil"], ["BG", "Bulgaria"], ["CA", "Canada"], ["HR", "Croatia"],
  ["CY", "Cyprus"], ["CZ", "Czech Republic"], ["DK", "Denmark"], ["EE", "Estonia"], ["FI", "Finland"], ["FR", "France"], ["DE", "Germany"],
  ["GR", "Greece"], ["HU", "Hungary"], ["IN", "India"], ["IE", "Ireland"], ["IT", "Italy"], ["JP", "Japan"], ["LV", "Latvia"], ["LT", "Lithuania"],
  ["LU", "Luxembourg"], ["MT", "Malta"], ["MX", "Mexico"], ["NL", "Netherlands"], ["NO", "Norway"], ["PL", "Poland"], ["PT", "Portugal"],
  ["RO", "Romania"], ["SK", "Slovakia"], ["SI", "Slovenia"], ["ES", "Spain"], ["SE", "Sweden"], ["CH", "Switzerland"], ["GB", "United Kingdom"],
  ["US", "United States"],
];

/** The tax line as Stripe's page words it: "VAT (Germany, 19 %) included" / "Sales tax (New York, 4 %)" / "Reverse charge". */
function taxLine(session: Obj): string | null {
  const tax = session.total_details?.breakdown?.taxes?.[0];
  if (!session.automatic_tax?.enabled || session.automatic_tax.status !== "complete" || !tax) return null;
  const rate = tax.rate;
  const where = rate.jurisdiction ? `${rate.jurisdiction}, ${rate.percentage} %` : `${rate.percentage} %`;
  if (tax.taxability_reason === "reverse_charge") return `${esc(rate.display_name)} — reverse charge: you account for it (0 %)`;
  if (tax.taxability_reason === "not_collecting") return "No tax collected for this location";
  if (tax.taxability_reason === "not_subject_to_tax" || tax.taxability_reason === "customer_exempt") return `${esc(rate.display_name)}: not taxable here (0 %)`;
  return `${esc(rate.display_name)} (${esc(where)})${rate.inclusive ? " included" : ""}`;
}

/** `customerEmail`: the email of the session's Customer, which Stripe shows (and does not ask for) as it does `customer_email`. */
export function checkoutPage(session: Obj, lineItems: Obj[], error?: string, customerEmail?: string | null, entered: Partial<Record<(typeof CHECKOUT_FIELDS)[number], string>> = {}) {
  const rows = lineItems
    .map((li) => `<tr><td>${esc(li.description)} × ${esc(li.quantity)}${li.price.recurring ? ` <span class="hint">per ${esc(li.price.recurring.interval)}</span>` : ""}</td><td>${money(li.amount_subtotal, li.currency)}</td></tr>`)
    .join("");
  const hints = TEST_CARDS.map((c) => `${c.number} (${c.token.replace("pm_card_", "")})`).join(", ");
  if (session.status !== "open") {
    return layout("Checkout", `<h1>This checkout session is ${esc(session.status)}</h1>`);
  }
  const v = (name: (typeof CHECKOUT_FIELDS)[number]) => esc(entered[name] ?? "");
  const tax = taxLine(session);
  const taxRow = tax ? `<tr data-testid="checkout-tax"><td>${tax}</td><td>${money(session.total_details.amount_tax, session.currency)}</td></tr>` : "";
  const wantsAddress = session.automatic_tax?.enabled || session.billing_address_collection;
  const country = (entered.country || session.customer_details?.address?.country || DEFAULT_BUYER_COUNTRY).toUpperCase();
  const address = wantsAddress
    ? `<fieldset><legend>Billing address</legend>
<label>Country<select name="country" ${session.automatic_tax?.enabled || session.billing_address_collection === "required" ? "required" : ""}><option value="">Choose…</option>${COUNTRIES.map(([code, name]) => `<option value="${code}"${code === country ? " selected" : ""}>${esc(name)}</option>`).join("")}</select></label>
<label>Address<input name="line1" autocomplete="address-line1" value="${v("line1")}"></label>
<label>City<input name="city" autocomplete="address-level2" value="${v("city")}"></label>
<label>State or province <span class="hint">(US and Canada: two letters, e.g. NY, ON)</span><input name="state" autocomplete="address-level1" value="${v("state")}"></label>
<label>Postal code<input name="postal_code" autocomplete="postal-code" value="${v("postal_code")}"></label>
</fieldset>`
    : "";
  const business = session.tax_id_collection?.enabled
    ? `<fieldset><legend>Purchasing as a business? <span class="hint">(optional)</span></legend>
<label>Business name<input name="business_name" autocomplete="organization" value="${v("business_name")}"></label>
<label>Tax ID <span class="hint">(VAT number, ABN, BN …)</span><input name="tax_id" value="${v("tax_id")}"></label>
</fieldset>`
    : "";
  const calculate = session.automatic_tax?.enabled ? `<button type="submit" name="action" value="calculate" formnovalidate class="secondary">Update total with tax</button>` : "";
  return layout(
    "Checkout",
    `<h1>${session.mode === "subscription" ? "Subscribe" : "Pay"}</h1>
<table>${rows}${taxRow}<tr><td><strong>Total</strong></td><td data-testid="checkout-total"><strong>${money(session.amount_total, session.currency)}</strong></td></tr></table>
${session.automatic_tax?.enabled && session.automatic_tax.status !== "complete" ? `<p class="hint" data-testid="checkout-tax-pending">Tax is calculated from your billing address.</p>` : ""}
${error ? `<div class="error" role="alert">${esc(error)}</div>` : ""}
<form method="post">
${(session.customer_email ?? customerEmail) ? `<p data-testid="checkout-email">${esc(session.customer_email ?? customerEmail)}</p>` : `<label>Email<input name="email" type="email" autocomplete="email" value="${v("email")}"></label>`}
${address}${business}
<label>Name on card<input name="name" required autocomplete="cc-name" value="${v("name")}"></label>
<label>Card number<input name="card" required inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" value="${v("card")}"></label>
${calculate}
<button type="submit">Pay</button>
</form>
${session.cancel_url ? `<p><a href="${esc(session.cancel_url)}">Cancel and go back</a></p>` : ""}
<p class="hint">Test cards: ${esc(hints)}</p>`,
  );
}

export function onboardingPage(account: Obj) {
  return layout(
    "Connect onboarding",
    `<h1>Set up payouts</h1><p>Account ${esc(account.id)}${account.email ? ` (${esc(account.email)})` : ""}</p>
<form method="post"><button type="submit">Agree and submit</button></form>`,
  );
}

/** An invoice's status as Stripe's hosted invoice page words it. */
const INVOICE_STATUS_WORDS: Record<string, string> = { draft: "Draft", open: "Due, not paid yet", paid: "Paid", void: "Void (nothing to pay)", uncollectible: "Uncollectible" };

export function invoicePage(invoice: Obj) {
  const paidAt = invoice.status === "paid" && invoice.status_transitions?.paid_at ? ` on ${new Date(invoice.status_transitions.paid_at * 1000).toLocaleDateString("en-US", { dateStyle: "long", timeZone: "UTC" })}` : "";
  const rows = invoice.lines.data.map((l: Obj) => `<tr><td>${esc(l.description)}</td><td>${money(l.amount, l.currency)}</td></tr>`).join("");
  return layout(
    `Invoice ${invoice.number}`,
    `<h1>Invoice ${esc(invoice.number)}</h1><p>${esc(INVOICE_STATUS_WORDS[invoice.status] ?? invoice.status)}${paidAt}</p><table>${rows}<tr><td><strong>Amount due</strong></td><td><strong>${money(invoice.amount_due, invoice.currency)}</strong></td></tr></table>`,
  );
}

export function html(body: string, status = 200) {
  return new Response(body, { status, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

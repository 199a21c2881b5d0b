// The browser-facing pages Stripe would host: Checkout, Connect onboarding, a hosted invoice.
import { TEST_CARDS } from "./cards";
import type { Obj } from "./store";

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
button{margin-top:1.5rem;width:100%;padding:.8rem;font-size:1rem;background:#635bff;color:#fff;border:0;border-radius:4px;cursor:pointer}
table{width:100%;border-collapse:collapse;margin:1rem 0}td{padding:.3rem 0}td:last-child{text-align:right}
.error{background:#fde8e8;color:#a4000f;padding:.7rem;border-radius:4px;margin-top:1rem}
.hint{font-size:.8rem;color:#697386}
</style></head><body><main><p><span class="badge">TEST MODE · Stripe emulator</span></p>${body}</main></body></html>`;
}

/** `customerEmail`: the email of the session's Customer, which Stripe shows (and does not ask for) as it does `customer_email`. */
export function checkoutPage(session: Obj, lineItems: Obj[], error?: string, customerEmail?: string | null) {
  const rows = lineItems
    .map((li) => `<tr><td>${esc(li.description)} × ${esc(li.quantity)}${li.price.recurring ? ` <span class="hint">per ${esc(li.price.recurring.interval)}</span>` : ""}</td><td>${money(li.amount_total, li.currency)}</td></tr>`)
    .join("");
  const hints = TEST_CARDS.map((c) => `${c.number} (${c.token.replace("pm_card_", "")})`).join(", ");
  if (session.status !== "open") {
    return layout("Checkout", `<h1>This checkout session is ${esc(session.status)}</h1>`);
  }
  return layout(
    "Checkout",
    `<h1>${session.mode === "subscription" ? "Subscribe" : "Pay"}</h1>
<table>${rows}<tr><td><strong>Total</strong></td><td><strong>${money(session.amount_total, session.currency)}</strong></td></tr></table>
${error ? `<div class="error" role="alert">${esc(error)}</div>` : ""}
<form method="post">
${(session.customer_email ?? customerEmail) ? `<p data-testid="checkout-email">${esc(session.customer_email ?? customerEmail)}</p>` : `<label>Email<input name="email" type="email" autocomplete="email"></label>`}
<label>Name on card<input name="name" required autocomplete="cc-name"></label>
<label>Card number<input name="card" required inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242"></label>
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

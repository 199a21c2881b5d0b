// Stripe Tax in the emulator's Checkout (workers/stripe-emulator/tax.ts): the rates table, tax-inclusive
// and exclusive prices, reverse charge, where nothing is collected, and Stripe's checks of the parameters.
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { computeTax, jurisdictionFor, validTaxId } from "../../workers/stripe-emulator/tax";
import { emulatedStripe, stripeError } from "./helpers";

type Buyer = Parameters<ReturnType<typeof emulatedStripe>["control"]["completeCheckout"]>[1];

async function buy(behavior: "inclusive" | "exclusive", amount: number, currency: string, buyer: Buyer) {
  const { stripe, control } = emulatedStripe();
  const session = await stripe.checkout.sessions.create({
    mode: "payment",
    automatic_tax: { enabled: true },
    tax_id_collection: { enabled: true },
    billing_address_collection: "required",
    line_items: [{ price_data: { currency, unit_amount: amount, tax_behavior: behavior, product_data: { name: "Course" } }, quantity: 1 }],
    success_url: "http://localhost/ok",
  });
  expect(session.automatic_tax).toMatchObject({ enabled: true, status: "requires_location_inputs" });
  const answer = await control.completeCheckout(session.url!, buyer);
  expect(answer.status, await answer.clone().text()).toBe(303);
  const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ["total_details.breakdown", "payment_intent"] });
  const lines = await stripe.checkout.sessions.listLineItems(session.id, { expand: ["data.taxes"] });
  return { done, lines, tax: done.total_details!.breakdown!.taxes[0]!, intent: done.payment_intent as Stripe.PaymentIntent, stripe, control };
}

describe("Stripe Tax in Checkout", () => {
  const cases: Array<{ name: string; behavior: "inclusive" | "exclusive"; amount: number; currency: string; buyer: Buyer; tax: number; total: number; reason: string; percentage: number; jurisdiction: string | null }> = [
    { name: "German consumer, inclusive 19 %", behavior: "inclusive", amount: 4900, currency: "eur", buyer: { country: "DE" }, tax: 782, total: 4900, reason: "standard_rated", percentage: 19, jurisdiction: "Germany" },
    { name: "German business with a VAT number: reverse charge", behavior: "inclusive", amount: 4900, currency: "eur", buyer: { country: "DE", business_name: "Muster GmbH", tax_id: "DE 123 456 789" }, tax: 0, total: 4900, reason: "reverse_charge", percentage: 0, jurisdiction: "Germany" },
    { name: "Irish business (the seller's own country): domestic VAT", behavior: "inclusive", amount: 4900, currency: "eur", buyer: { country: "IE", business_name: "Acme Ltd", tax_id: "IE6388047V" }, tax: 916, total: 4900, reason: "standard_rated", percentage: 23, jurisdiction: "Ireland" },
    { name: "French consumer, inclusive 20 %", behavior: "inclusive", amount: 4900, currency: "eur", buyer: { country: "FR" }, tax: 817, total: 4900, reason: "standard_rated", percentage: 20, jurisdiction: "France" },
    { name: "New York, exclusive 4 %", behavior: "exclusive", amount: 4999, currency: "usd", buyer: { country: "US", state: "NY", postal_code: "10001" }, tax: 200, total: 5199, reason: "standard_rated", percentage: 4, jurisdiction: "New York" },
    { name: "California: digital services not taxed", behavior: "exclusive", amount: 4999, currency: "usd", buyer: { country: "US", state: "CA" }, tax: 0, total: 4999, reason: "not_subject_to_tax", percentage: 0, jurisdiction: "California" },
    { name: "Ontario HST 13 %", behavior: "exclusive", amount: 4999, currency: "cad", buyer: { country: "CA", state: "ON" }, tax: 650, total: 5649, reason: "standard_rated", percentage: 13, jurisdiction: "Canada (Ontario)" },
    { name: "Alberta GST 5 %", behavior: "exclusive", amount: 4999, currency: "cad", buyer: { country: "CA", state: "AB" }, tax: 250, total: 5249, reason: "standard_rated", percentage: 5, jurisdiction: "Canada" },
    { name: "Australia GST 10 %, inclusive", behavior: "inclusive", amount: 7900, currency: "aud", buyer: { country: "AU" }, tax: 718, total: 7900, reason: "standard_rated", percentage: 10, jurisdiction: "Australia" },
    { name: "UK consumer 20 %", behavior: "inclusive", amount: 3900, currency: "gbp", buyer: { country: "GB" }, tax: 650, total: 3900, reason: "standard_rated", percentage: 20, jurisdiction: "United Kingdom" },
    { name: "Brazil: not collecting", behavior: "exclusive", amount: 4999, currency: "usd", buyer: { country: "BR" }, tax: 0, total: 4999, reason: "not_collecting", percentage: 0, jurisdiction: null },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { done, lines, tax, intent } = await buy(c.behavior, c.amount, c.currency, c.buyer);
      expect(done.automatic_tax.status).toBe("complete");
      expect(done.total_details!.amount_tax).toBe(c.tax);
      expect(done.amount_subtotal).toBe(c.amount);
      expect(done.amount_total).toBe(c.total);
      expect(intent.amount).toBe(c.total);
      expect(tax).toMatchObject({ amount: c.tax, taxability_reason: c.reason, taxable_amount: c.behavior === "inclusive" ? c.amount - c.tax : c.amount });
      expect(tax.rate).toMatchObject({ object: "tax_rate", percentage: c.percentage, jurisdiction: c.jurisdiction, inclusive: c.behavior === "inclusive" });
      expect(lines.data[0]).toMatchObject({ amount_tax: c.tax, amount_total: c.total, amount_subtotal: c.amount });
      expect(lines.data[0]!.taxes![0]!.amount).toBe(c.tax);
      expect(done.customer_details!.address!.country).toBe(c.buyer!.country);
      expect(done.customer_details!.tax_ids).toEqual(c.buyer!.tax_id ? [{ type: "eu_vat", value: c.buyer!.tax_id.replace(/\s/g, "") }] : []);
    });
  }

  it("the breakdowns are includable: only sent when expanded, never in webhooks", async () => {
    const { done, stripe, control } = await buy("exclusive", 1000, "usd", { country: "US", state: "NY" });
    const plain = await stripe.checkout.sessions.retrieve(done.id);
    expect(plain.total_details).toEqual({ amount_discount: 0, amount_shipping: 0, amount_tax: 40 });
    expect((await stripe.checkout.sessions.listLineItems(done.id)).data[0]!.taxes).toBeUndefined();
    const [completed] = await control.events("checkout.session.completed");
    expect(completed!.data.object.total_details).toEqual({ amount_discount: 0, amount_shipping: 0, amount_tax: 40 });
  });

  it("shows the tax on the hosted page before paying, and refuses a location it cannot tax", async () => {
    const { stripe, control } = emulatedStripe();
    const session = await stripe.checkout.sessions.create({ mode: "payment", automatic_tax: { enabled: true }, line_items: [{ price_data: { currency: "usd", unit_amount: 5000, tax_behavior: "exclusive", product_data: { name: "Course" } }, quantity: 1 }], success_url: "http://localhost/ok" });
    const page = await (await control.previewCheckoutTax(session.url!, { country: "US", state: "NY" })).text();
    expect(page).toContain("Sales tax (New York, 4 %)");
    expect(page).toMatch(/data-testid="checkout-total"><strong>52\.00 USD/);
    const noState = await control.completeCheckout(session.url!, { country: "US" });
    expect(noState.status).toBe(400);
    expect(await noState.text()).toContain("Enter your state");
    // No country chosen: the one the page preselected (not a taxed location), so nothing is added.
    const page2 = await (await control.previewCheckoutTax(session.url!, {})).text();
    expect(page2).toContain("No tax collected for this location");
    expect(page2).toMatch(/data-testid="checkout-total"><strong>50\.00 USD/);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
  });

  it("an invalid VAT number is refused on the page; a valid one from another country than the address is not reverse-charged", async () => {
    const { stripe, control } = emulatedStripe();
    const session = await stripe.checkout.sessions.create({ mode: "payment", automatic_tax: { enabled: true }, tax_id_collection: { enabled: true }, line_items: [{ price_data: { currency: "eur", unit_amount: 1190, tax_behavior: "inclusive", product_data: { name: "Course" } }, quantity: 1 }], success_url: "http://localhost/ok" });
    const bad = await control.completeCheckout(session.url!, { country: "DE", tax_id: "DE12345" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Your tax ID is invalid");
    // A French number with a German address: the buyer is not a German business, so German VAT is due.
    expect((await control.completeCheckout(session.url!, { country: "DE", tax_id: "FRXX123456789" })).status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done.total_details!.amount_tax).toBe(190);
  });

  it("a Customer exempt from tax pays none; its address is used and updated with customer_update", async () => {
    const { stripe, control } = emulatedStripe();
    const customer = await stripe.customers.create({ email: "school@example.test", tax_exempt: "exempt", address: { country: "US", state: "NY" } });
    const session = await stripe.checkout.sessions.create({ mode: "payment", customer: customer.id, customer_update: { address: "auto" }, automatic_tax: { enabled: true }, line_items: [{ price_data: { currency: "usd", unit_amount: 5000, tax_behavior: "exclusive", product_data: { name: "Course" } }, quantity: 1 }], success_url: "http://localhost/ok" });
    expect(session.automatic_tax.status).toBe("complete");
    expect((await control.completeCheckout(session.url!, { country: "US", state: "TX" })).status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ["total_details.breakdown"] });
    expect(done.total_details!.breakdown!.taxes[0]!.taxability_reason).toBe("customer_exempt");
    expect(done.customer_details!.tax_exempt).toBe("exempt");
    expect(done.amount_total).toBe(5000);
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).address!.state).toBe("TX");
  });

  it("refuses what Stripe refuses", async () => {
    const { stripe } = emulatedStripe();
    const customer = await stripe.customers.create({ email: "x@example.test" });
    const line = (tax_behavior?: "inclusive" | "exclusive") => [{ price_data: { currency: "usd", unit_amount: 1000, ...(tax_behavior ? { tax_behavior } : {}), product_data: { name: "x" } }, quantity: 1 }];
    const base = { mode: "payment" as const, success_url: "http://localhost/ok" };
    expect((await stripeError(stripe.checkout.sessions.create({ ...base, automatic_tax: { enabled: true }, line_items: line() }))).message).toContain("tax_behavior=unspecified");
    expect((await stripeError(stripe.checkout.sessions.create({ ...base, customer: customer.id, automatic_tax: { enabled: true }, line_items: line("exclusive") }))).message).toContain("requires a valid address on the Customer");
    expect((await stripeError(stripe.checkout.sessions.create({ ...base, customer: customer.id, customer_update: { address: "auto" }, tax_id_collection: { enabled: true }, line_items: line("exclusive") }))).param).toBe("customer_update[name]");
    const price = await stripe.prices.create({ currency: "usd", unit_amount: 1000, tax_behavior: "exclusive", product_data: { name: "y" } });
    expect((await stripeError(stripe.prices.update(price.id, { tax_behavior: "inclusive" }))).param).toBe("tax_behavior");
    expect((await stripeError(stripe.prices.create({ currency: "usd", unit_amount: 1, tax_behavior: "sometimes" as never, product_data: { name: "z" } }))).param).toBe("tax_behavior");
  });
});

describe("the rates table", () => {
  it("rounds half up, inside and on top", () => {
    const de = (amount: number, taxBehavior: "inclusive" | "exclusive") => computeTax({ lines: [{ amount, taxBehavior }], address: { country: "DE" }, taxIds: [], taxExempt: "none", currency: "eur" }).lines[0]!;
    expect(de(119, "inclusive")).toEqual({ tax: 19, total: 119, taxable: 100 });
    expect(de(100, "exclusive")).toEqual({ tax: 19, total: 119, taxable: 100 });
    expect(de(1, "inclusive").tax).toBe(0);
    expect(de(3, "exclusive").tax).toBe(1); // 0.57 → 1
  });

  it("knows every EU member state and formats of their VAT numbers", () => {
    for (const c of ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]) {
      expect(jurisdictionFor({ country: c })?.taxType, c).toBe("vat");
    }
    expect(jurisdictionFor({ country: "US", state: "OR" })).toBeNull();
    expect(validTaxId("eu_vat", "de 123.456.789")).toBe("DE123456789");
    expect(validTaxId("eu_vat", "NL123456789B01")).toBe("NL123456789B01");
    expect(validTaxId("eu_vat", "XX123456789")).toBeNull();
    expect(validTaxId("gb_vat", "GB123456789")).toBe("GB123456789");
  });
});

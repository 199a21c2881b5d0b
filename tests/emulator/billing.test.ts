// Products, prices, subscriptions, invoices with prorations, and test clocks for renewals,
// failed renewals and period ends.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { emulatedStripe, stripeError } from "./helpers";

const DAY = 86_400;
const JAN_1 = Date.UTC(2030, 0, 1) / 1000;

async function catalog(stripe: Stripe) {
  const product = await stripe.products.create({ name: "Coursemint Pro", metadata: { plan: "pro" } });
  const monthly = await stripe.prices.create({ product: product.id, unit_amount: 3000, currency: "usd", recurring: { interval: "month" }, lookup_key: "pro_monthly" });
  const yearly = await stripe.prices.create({ product: product.id, unit_amount: 30000, currency: "usd", recurring: { interval: "year" }, lookup_key: "pro_yearly" });
  const premium = await stripe.prices.create({ product_data: { name: "Coursemint Premium" }, unit_amount: 6000, currency: "usd", recurring: { interval: "month" } });
  return { product, monthly, yearly, premium };
}

/** A customer on a test clock frozen at 2030-01-01, paying with `card`. */
async function customerOnClock(stripe: Stripe, card = "pm_card_visa") {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1, name: "billing" });
  const customer = await stripe.customers.create({ email: "sub@example.test", test_clock: clock.id });
  const pm = await stripe.paymentMethods.attach(card, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return { clock, customer, pm };
}

describe("products and prices", () => {
  it("creates monthly and yearly prices and finds them by lookup key", async () => {
    const { stripe } = emulatedStripe();
    const { product, monthly, yearly } = await catalog(stripe);
    expect(product).toMatchObject({ object: "product", name: "Coursemint Pro", active: true });
    expect(monthly).toMatchObject({ object: "price", type: "recurring", unit_amount: 3000, recurring: { interval: "month", interval_count: 1 }, product: product.id });
    expect(yearly.recurring!.interval).toBe("year");
    const found = await stripe.prices.list({ lookup_keys: ["pro_yearly"], expand: ["data.product"] });
    expect(found.data.map((p) => p.id)).toEqual([yearly.id]);
    expect((found.data[0]!.product as Stripe.Product).name).toBe("Coursemint Pro");
    expect((await stripe.prices.list({ product: product.id, recurring: { interval: "month" } })).data.map((p) => p.id)).toEqual([monthly.id]);
    expect(await stripeError(stripe.prices.create({ product: product.id, unit_amount: 1, currency: "usd", lookup_key: "pro_monthly" }))).toMatchObject({ statusCode: 400, code: "lookup_key_exists" });
    expect((await stripe.products.update(product.id, { active: false })).active).toBe(false);
  });
});

describe("subscriptions and invoices", () => {
  it("creates an active subscription with a paid first invoice", async () => {
    const { stripe, control } = emulatedStripe();
    const { monthly } = await catalog(stripe);
    const { customer } = await customerOnClock(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], metadata: { userId: "usr_1" }, expand: ["latest_invoice"] });
    expect(sub).toMatchObject({ object: "subscription", status: "active", customer: customer.id, cancel_at_period_end: false, metadata: { userId: "usr_1" } });
    const item = sub.items.data[0]!;
    expect(item).toMatchObject({ current_period_start: JAN_1, current_period_end: Date.UTC(2030, 1, 1) / 1000, price: { id: monthly.id }, quantity: 1 });
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ object: "invoice", status: "paid", amount_due: 3000, amount_paid: 3000, billing_reason: "subscription_create", parent: { subscription_details: { subscription: sub.id } } });
    expect(invoice.lines.data[0]).toMatchObject({ amount: 3000, parent: { subscription_item_details: { proration: false } } });
    const types = (await control.events()).map((e) => e.type);
    for (const t of ["customer.subscription.created", "invoice.paid", "invoice.payment_succeeded", "payment_intent.succeeded"]) expect(types).toContain(t);
  });

  it("leaves the subscription incomplete when the first payment fails, or errors with error_if_incomplete", async () => {
    const { stripe } = emulatedStripe();
    const { monthly } = await catalog(stripe);
    const { customer } = await customerOnClock(stripe, "pm_card_chargeCustomerFail");
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    expect(sub.status).toBe("incomplete");
    expect((await stripe.invoices.retrieve(sub.latest_invoice as string)).status).toBe("open");
    const error = await stripeError(stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], payment_behavior: "error_if_incomplete" }));
    expect(error).toMatchObject({ statusCode: 402, code: "card_declined" });
  });

  it("upgrades mid-period with prorations on the next invoice (create_prorations)", async () => {
    const { stripe } = emulatedStripe();
    const { monthly, premium } = await catalog(stripe);
    const { clock, customer } = await customerOnClock(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    // Halfway through January (31 days): upgrade from 30.00 to 60.00.
    const mid = JAN_1 + Math.round(15.5 * DAY);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: mid });
    const updated = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: premium.id }], proration_behavior: "create_prorations" });
    expect(updated.items.data[0]!.price.id).toBe(premium.id);
    expect(updated.items.data[0]!.current_period_end).toBe(Date.UTC(2030, 1, 1) / 1000);
    const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(pending.data.map((i) => i.amount).sort((a, b) => a - b)).toEqual([-1500, 3000]);

    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: Date.UTC(2030, 1, 1) / 1000 + 3600 });
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    const renewal = invoices.data[0]!;
    expect(renewal).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", amount_paid: 6000 - 1500 + 3000 });
    const lines = renewal.lines.data.map((l) => [l.amount, l.parent!.subscription_item_details!.proration]);
    expect(lines).toEqual([[-1500, true], [3000, true], [6000, false]]);
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toEqual([]);
  });

  it("invoices prorations immediately with always_invoice, and none skips them", async () => {
    const { stripe } = emulatedStripe();
    const { monthly, premium } = await catalog(stripe);
    const { clock, customer } = await customerOnClock(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 + Math.round(15.5 * DAY) });
    const upgraded = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: premium.id }], proration_behavior: "always_invoice", expand: ["latest_invoice"] });
    const invoice = upgraded.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ billing_reason: "subscription_update", status: "paid", amount_paid: 1500 });
    expect(invoice.lines.data.every((l) => l.parent!.subscription_item_details!.proration)).toBe(true);

    const back = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: monthly.id }], proration_behavior: "none" });
    expect(back.latest_invoice).toBe(invoice.id);
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toEqual([]);
  });

  it("switching monthly → yearly resets the billing cycle and invoices the new period now", async () => {
    const { stripe } = emulatedStripe();
    const { monthly, yearly } = await catalog(stripe);
    const { clock, customer } = await customerOnClock(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const mid = JAN_1 + Math.round(15.5 * DAY);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: mid });
    const updated = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: yearly.id }], expand: ["latest_invoice"] });
    expect(updated.items.data[0]).toMatchObject({ current_period_start: mid, current_period_end: Date.UTC(2031, 0, 16, 12) / 1000 });
    expect(updated.latest_invoice).toMatchObject({ status: "paid", amount_paid: 30000 - 1500 });
  });

  it("cancels at period end when the clock reaches it, or immediately", async () => {
    const { stripe, control } = emulatedStripe();
    const { monthly } = await catalog(stripe);
    const { clock, customer } = await customerOnClock(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const marked = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(marked).toMatchObject({ status: "active", cancel_at_period_end: true, cancel_at: Date.UTC(2030, 1, 1) / 1000 });
    const updatedEvent = (await control.events("customer.subscription.updated"))[0]!;
    expect(updatedEvent.data.previous_attributes).toMatchObject({ cancel_at_period_end: false });

    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: Date.UTC(2030, 1, 2) / 1000 });
    const ended = await stripe.subscriptions.retrieve(sub.id);
    expect(ended).toMatchObject({ status: "canceled", ended_at: Date.UTC(2030, 1, 1) / 1000 });
    expect((await control.events("customer.subscription.deleted")).map((e) => e.data.object.id)).toEqual([sub.id]);
    expect((await stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(1); // no renewal

    const other = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    expect((await stripe.subscriptions.cancel(other.id)).status).toBe("canceled");
    expect(await stripeError(stripe.subscriptions.cancel(other.id))).toMatchObject({ statusCode: 400 });
  });

  it("renews monthly on the clock; a failed renewal leaves it past_due until the invoice is paid", async () => {
    const { stripe, control } = emulatedStripe();
    const { monthly } = await catalog(stripe);
    const { clock, customer } = await customerOnClock(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });

    const advanced = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: Date.UTC(2030, 2, 15) / 1000 });
    // Like Stripe, the advance answers `advancing`; the clock reads `ready` once the work is done.
    expect(advanced).toMatchObject({ object: "test_helpers.test_clock", status: "advancing", frozen_time: Date.UTC(2030, 2, 15) / 1000 });
    expect(await stripe.testHelpers.testClocks.retrieve(clock.id)).toMatchObject({ status: "ready", frozen_time: Date.UTC(2030, 2, 15) / 1000 });
    expect((await stripe.invoices.list({ subscription: sub.id })).data.map((i) => [i.billing_reason, i.status])).toEqual([
      ["subscription_cycle", "paid"],
      ["subscription_cycle", "paid"],
      ["subscription_create", "paid"],
    ]);
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]!.current_period_end).toBe(Date.UTC(2030, 3, 1) / 1000);

    // The card starts failing: the April renewal fails.
    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: Date.UTC(2030, 3, 1, 12) / 1000 });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    const [open] = (await stripe.invoices.list({ subscription: sub.id, status: "open" })).data;
    expect(open).toMatchObject({ attempt_count: 1, attempted: true, amount_remaining: 3000 });
    expect(open!.next_payment_attempt).toBe(Date.UTC(2030, 3, 4) / 1000);
    expect((await control.events("invoice.payment_failed")).map((e) => e.data.object.id)).toEqual([open!.id]);

    const declined = await stripeError(stripe.invoices.pay(open!.id));
    expect(declined).toMatchObject({ statusCode: 402, code: "card_declined" });
    const paid = await stripe.invoices.pay(open!.id, { payment_method: "pm_card_visa" });
    expect(paid).toMatchObject({ status: "paid", amount_paid: 3000 });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });

  it("cancels the subscription once the renewal retries are exhausted", async () => {
    const { stripe } = emulatedStripe();
    const { monthly } = await catalog(stripe);
    const { clock, customer } = await customerOnClock(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.id });
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: Date.UTC(2030, 1, 25) / 1000 });
    const ended = await stripe.subscriptions.retrieve(sub.id);
    expect(ended).toMatchObject({ status: "canceled", cancellation_details: { reason: "payment_failed" } });
    const [invoice] = (await stripe.invoices.list({ subscription: sub.id, status: "open" })).data;
    expect(invoice!.attempt_count).toBe(4);
  });

  it("refuses to move a clock backwards", async () => {
    const { stripe } = emulatedStripe();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1 });
    expect(await stripeError(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 - 1 }))).toMatchObject({ statusCode: 400, param: "frozen_time" });
  });
});

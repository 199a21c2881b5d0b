// Conformance with Stripe's API description for the emulator's declared version: a tour through
// every operation the emulator serves, producing every event type it emits, and every response and
// event validated against the SDK-generated schemas (tests/emulator/conformance.ts). The same check
// runs after every test file of the suite on what that file produced (conformance.setup.ts).
import { describe, expect, it } from "vitest";
import { API_VERSION } from "../../workers/stripe-emulator/core";
import { describeProblems, drainCaptured, SCHEMA_API_VERSION, validateCaptured } from "./conformance";
import { emulatedStripe, testEnv } from "./helpers";

const JAN_1 = Date.UTC(2030, 0, 1) / 1000;

/** The event types the emulator emits (docs/stripe-emulator.md lists them). */
const EMITTED = [
  "customer.created", "customer.updated", "customer.deleted", "payment_method.attached", "payment_method.detached",
  "payment_intent.created", "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
  "charge.succeeded", "charge.failed", "charge.refunded", "refund.created", "checkout.session.completed",
  "checkout.session.expired", "product.created", "product.updated", "price.created", "price.updated",
  "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted", "invoice.created",
  "invoice.finalized", "invoice.paid", "invoice.payment_succeeded", "invoice.payment_failed", "invoice.voided",
  "invoiceitem.created", "test_helpers.test_clock.created", "test_helpers.test_clock.advancing",
  "test_helpers.test_clock.ready", "account.updated", "transfer.created", "transfer.reversed",
  "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed", "charge.dispute.funds_withdrawn",
  "charge.dispute.funds_reinstated", "customer.subscription.trial_will_end", "customer.subscription.paused",
];

describe("conformance with Stripe's API description", () => {
  it("the schemas are for the API version the emulator declares", () => {
    expect(SCHEMA_API_VERSION).toBe(API_VERSION);
  });

  it("every operation and every event type the emulator serves is valid", async () => {
    const { key, stripe, control } = emulatedStripe();
    await drainCaptured(testEnv.STRIPE_EMULATOR, key);
    const r = (s: unknown) => (s as { id: string }).id;

    // Customers and payment methods.
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1, name: "tour" });
    const customer = await stripe.customers.create({ email: "tour@example.test", name: "Tour", test_clock: clock.id, metadata: { a: "1" } });
    await stripe.customers.retrieve(customer.id);
    await stripe.customers.list({ email: "tour@example.test" });
    const pm = await stripe.paymentMethods.create({ type: "card", card: { number: "4242424242424242", exp_month: 12, exp_year: 2034, cvc: "123" } });
    await stripe.paymentMethods.retrieve(r(pm));
    await stripe.paymentMethods.attach(r(pm), { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: r(pm) } });
    await stripe.customers.listPaymentMethods(customer.id);
    await stripe.paymentMethods.list({ customer: customer.id, type: "card" });
    const spare = await stripe.paymentMethods.attach("pm_card_mastercard", { customer: customer.id });
    await stripe.paymentMethods.detach(spare.id);

    // Payment intents, charges, refunds.
    const pi = await stripe.paymentIntents.create({ amount: 5000, currency: "usd", customer: customer.id, metadata: { paymentId: "pay_1" } });
    await stripe.paymentIntents.update(pi.id, { description: "Course" });
    await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" });
    await stripe.paymentIntents.retrieve(pi.id, { expand: ["latest_charge"] });
    await stripe.paymentIntents.list({ customer: customer.id });
    await stripe.paymentIntents.create({ amount: 900, currency: "usd", payment_method: "pm_card_chargeDeclined", confirm: true }).catch(() => null);
    await stripe.paymentIntents.cancel(r(await stripe.paymentIntents.create({ amount: 700, currency: "usd" })));
    const charges = await stripe.charges.list({ payment_intent: pi.id });
    await stripe.charges.retrieve(charges.data[0]!.id);
    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
    await stripe.refunds.retrieve(refund.id);
    await stripe.refunds.list({ payment_intent: pi.id });

    // Disputes: the dispute test cards open one at the next delivery pull; evidence decides.
    const won = await stripe.paymentIntents.create({ amount: 4000, currency: "usd", payment_method: "pm_card_createDispute", confirm: true });
    const lost = await stripe.paymentIntents.create({ amount: 3000, currency: "usd", payment_method: "pm_card_createDisputeProductNotReceived", confirm: true });
    const inquiry = await stripe.paymentIntents.create({ amount: 2000, currency: "usd", payment_method: "pm_card_createDisputeInquiry", confirm: true });
    await control.pending();
    const [wonDispute] = (await stripe.disputes.list({ payment_intent: won.id })).data;
    await stripe.disputes.retrieve(wonDispute!.id);
    await stripe.disputes.update(wonDispute!.id, { evidence: { customer_email_address: "tour@example.test" }, metadata: { paymentId: "pay_1" } });
    await stripe.disputes.update(wonDispute!.id, { evidence: { uncategorized_text: "winning_evidence" }, submit: true });
    await stripe.disputes.close((await stripe.disputes.list({ payment_intent: lost.id })).data[0]!.id);
    await stripe.disputes.close((await stripe.disputes.list({ payment_intent: inquiry.id })).data[0]!.id);

    // Catalog, subscriptions, invoices, test clocks.
    const product = await stripe.products.create({ name: "Pro" });
    await stripe.products.update(product.id, { description: "Pro plan" });
    await stripe.products.retrieve(product.id);
    await stripe.products.list({ active: true });
    const monthly = await stripe.prices.create({ product: product.id, unit_amount: 3000, currency: "usd", recurring: { interval: "month" }, lookup_key: "tour_monthly" });
    const premium = await stripe.prices.create({ product: product.id, unit_amount: 6000, currency: "usd", recurring: { interval: "month" } });
    await stripe.prices.update(premium.id, { nickname: "Premium" });
    await stripe.prices.retrieve(monthly.id);
    await stripe.prices.list({ lookup_keys: ["tour_monthly"] });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], expand: ["latest_invoice.payments"] });
    await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: premium.id }], proration_behavior: "create_prorations" });
    await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    await stripe.subscriptions.retrieve(sub.id);
    await stripe.subscriptions.list({ customer: customer.id, status: "all" });
    const openSub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], payment_behavior: "default_incomplete" });
    await stripe.invoices.pay(openSub.latest_invoice as string);
    const voidSub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: premium.id }], payment_behavior: "default_incomplete" });
    await stripe.invoices.voidInvoice(voidSub.latest_invoice as string);
    await stripe.subscriptions.cancel(voidSub.id);
    // Trials (trials.ts): a card-less trial that pauses at its end; the advance below sends trial_will_end and pauses it.
    const trialCustomer = await stripe.customers.create({ email: "trial@example.test", test_clock: clock.id });
    await stripe.subscriptions.create({ customer: trialCustomer.id, items: [{ price: monthly.id }], trial_period_days: 14, trial_settings: { end_behavior: { missing_payment_method: "pause" } } });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: Date.UTC(2030, 1, 2) / 1000 });
    await stripe.testHelpers.testClocks.retrieve(clock.id);
    await stripe.testHelpers.testClocks.list();
    const invoices = await stripe.invoices.list({ customer: customer.id });
    await stripe.invoices.retrieve(invoices.data[0]!.id, { expand: ["payments"] });
    await stripe.invoices.listLineItems(invoices.data[0]!.id);
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: r(await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.id })) } });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: Date.UTC(2030, 2, 20) / 1000 });
    await stripe.testHelpers.testClocks.retrieve(clock.id);
    await stripe.customers.del(customer.id);
    await stripe.customers.retrieve(customer.id);
    await stripe.testHelpers.testClocks.del(clock.id);

    // Checkout (payment and subscription mode), hosted page, expiry.
    const paySession = await stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price_data: { currency: "usd", unit_amount: 2500, product_data: { name: "Course" } }, quantity: 1 }], success_url: "http://localhost/ok?session_id={CHECKOUT_SESSION_ID}", cancel_url: "http://localhost/no", client_reference_id: "pay_2" });
    await stripe.checkout.sessions.listLineItems(paySession.id);
    expect((await control.completeCheckout(paySession.url!)).status).toBe(303);
    await stripe.checkout.sessions.retrieve(paySession.id, { expand: ["payment_intent"] });
    const subSession = await stripe.checkout.sessions.create({ mode: "subscription", line_items: [{ price: monthly.id, quantity: 1 }], success_url: "http://localhost/ok", customer_email: "sub@example.test" });
    expect((await control.completeCheckout(subSession.url!)).status).toBe(303);
    // Stripe Tax in Checkout: exclusive and inclusive prices, a reverse-charged business, breakdowns expanded.
    const taxCustomer = await stripe.customers.create({ email: "tax@example.test", address: { country: "US", state: "NY", postal_code: "10001" } });
    const taxed = await stripe.checkout.sessions.create({ mode: "payment", customer: taxCustomer.id, customer_update: { address: "auto", name: "auto" }, automatic_tax: { enabled: true }, billing_address_collection: "required", tax_id_collection: { enabled: true }, line_items: [{ price_data: { currency: "usd", unit_amount: 2500, tax_behavior: "exclusive", product_data: { name: "Course" } }, quantity: 1 }], success_url: "http://localhost/ok" });
    await stripe.checkout.sessions.listLineItems(taxed.id, { expand: ["data.taxes"] });
    expect((await control.previewCheckoutTax(taxed.url!, { country: "DE" })).status).toBe(200);
    expect((await control.completeCheckout(taxed.url!, { country: "DE", business_name: "Muster GmbH", tax_id: "DE123456789" })).status).toBe(303);
    await stripe.checkout.sessions.retrieve(taxed.id, { expand: ["total_details.breakdown"] });
    const inclusive = await stripe.prices.create({ currency: "eur", unit_amount: 4900, tax_behavior: "inclusive", product_data: { name: "Kurs" } });
    await stripe.prices.update(inclusive.id, { nickname: "EUR inclusive" });
    const vat = await stripe.checkout.sessions.create({ mode: "payment", automatic_tax: { enabled: true }, line_items: [{ price: inclusive.id, quantity: 1 }], success_url: "http://localhost/ok" });
    expect((await control.completeCheckout(vat.url!, { country: "FR" })).status).toBe(303);
    await stripe.checkout.sessions.retrieve(vat.id, { expand: ["total_details.breakdown"] });
    const stale = await stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price_data: { currency: "usd", unit_amount: 100, product_data: { name: "x" } }, quantity: 1 }], success_url: "http://localhost/ok" });
    await stripe.checkout.sessions.expire(stale.id);
    await stripe.checkout.sessions.list({ status: "complete" });

    // Connect: accounts, onboarding, balance-limited transfers, reversals.
    const account = await stripe.accounts.create({ type: "express", email: "teacher@example.test", capabilities: { transfers: { requested: true } } });
    await stripe.accounts.update(account.id, { metadata: { userId: "usr_1" } });
    const link = await stripe.accountLinks.create({ account: account.id, type: "account_onboarding", refresh_url: "http://localhost/r", return_url: "http://localhost/d" });
    await control.completeOnboarding(link.url);
    await stripe.accounts.retrieve(account.id);
    await stripe.accounts.list();
    await stripe.balance.retrieve();
    const transfer = await stripe.transfers.create({ amount: 1000, currency: "usd", destination: account.id, transfer_group: "payout_1" });
    await stripe.transfers.createReversal(transfer.id, { amount: 100 });
    await stripe.transfers.retrieve(transfer.id);
    await stripe.transfers.list({ destination: account.id });
    await stripe.accounts.del(r(await stripe.accounts.create({ type: "express" })));

    // Events.
    const events = await stripe.events.list({ limit: 100 });
    await stripe.events.retrieve(events.data[0]!.id);

    const captured = await drainCaptured(testEnv.STRIPE_EMULATOR, key);
    const report = validateCaptured(captured);
    const operations = await control.operations();
    const untested = operations.filter((op) => !report.byOperation.has(op));
    expect(untested, "every operation the emulator serves is part of the tour").toEqual([]);
    const eventTypes = [...report.byOperation.keys()].filter((k) => k.startsWith("event ")).map((k) => k.slice(6));
    expect(eventTypes.sort(), "every event type the emulator emits is part of the tour").toEqual(EMITTED.sort());
    const valid = [...report.byOperation.values()].filter((e) => e.invalid === 0).length;
    console.info(`Stripe emulator conformance (API ${API_VERSION}): ${valid} of ${report.byOperation.size} operations and event types valid (${operations.length} operations, ${eventTypes.length} event types, ${captured.length} bodies checked)`);
    expect(describeProblems(report)).toBe("");
  });
});

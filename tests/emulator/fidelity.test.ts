// Places where the emulator used to be kinder than Stripe (issue 17), each pinned to Stripe's
// behaviour: deleted objects, idempotency after validation errors, Request-Id on 401,
// previous_attributes, includable invoice payments, balance-limited transfers, test clock states,
// Checkout ui_mode.
import { describe, expect, it } from "vitest";
import { emulatedStripe, stripeError, testEnv } from "./helpers";

const JAN_1 = Date.UTC(2030, 0, 1) / 1000;

describe("Stripe fidelity", () => {
  it("a deleted customer is still retrievable: 200 with deleted: true; updating it is 404", async () => {
    const { stripe } = emulatedStripe();
    const customer = await stripe.customers.create({ email: "gone@example.test" });
    await stripe.customers.del(customer.id);
    const retrieved = await stripe.customers.retrieve(customer.id);
    expect(retrieved).toEqual(expect.objectContaining({ id: customer.id, object: "customer", deleted: true }));
    expect(retrieved.lastResponse.statusCode).toBe(200);
    expect(await stripeError(stripe.customers.update(customer.id, { name: "x" }))).toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect(await stripeError(stripe.customers.retrieve("cus_missing"))).toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("an Idempotency-Key is not used up by a request that failed validation; outcomes of executed requests replay", async () => {
    const { stripe } = emulatedStripe();
    const invalid = await stripeError(stripe.paymentIntents.create({ amount: 10, currency: "usd" }, { idempotencyKey: "k-fix" }));
    expect(invalid).toMatchObject({ statusCode: 400, code: "amount_too_small" });
    // The corrected retry with the same key goes through (Stripe saved no result for the 400).
    const fixed = await stripe.paymentIntents.create({ amount: 1000, currency: "usd" }, { idempotencyKey: "k-fix" });
    expect(fixed).toMatchObject({ object: "payment_intent", amount: 1000 });
    const replay = await stripe.paymentIntents.create({ amount: 1000, currency: "usd" }, { idempotencyKey: "k-fix" });
    expect(replay.id).toBe(fixed.id);
    // A request that ran (a card decline) keeps its outcome for the key.
    const declined = await stripeError(stripe.paymentIntents.create({ amount: 1000, currency: "usd", payment_method: "pm_card_chargeDeclined", confirm: true }, { idempotencyKey: "k-card" }));
    expect(declined).toMatchObject({ statusCode: 402 });
    const again = await stripeError(stripe.paymentIntents.create({ amount: 1000, currency: "usd", payment_method: "pm_card_chargeDeclined", confirm: true }, { idempotencyKey: "k-card" }));
    expect(again).toMatchObject({ statusCode: 402, code: declined.code });
    expect((await stripe.paymentIntents.list({ limit: 100 })).data).toHaveLength(2);
  });

  it("a 401 for a bad API key carries a Request-Id, like every Stripe answer", async () => {
    for (const auth of [undefined, "Bearer sk_live_not_a_test_key"]) {
      const response = await testEnv.STRIPE_EMULATOR.fetch("https://api.stripe.com/v1/customers", { headers: auth ? { Authorization: auth } : {} });
      expect(response.status).toBe(401);
      expect(response.headers.get("Request-Id")).toMatch(/^req_/);
      expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    }
  });

  it("previous_attributes holds the previous values, never a made-up null", async () => {
    const { stripe, control } = emulatedStripe();
    const account = await stripe.accounts.create({ type: "express", capabilities: { transfers: { requested: true } } });
    const link = await stripe.accountLinks.create({ account: account.id, type: "account_onboarding", refresh_url: "http://localhost/r", return_url: "http://localhost/d" });
    await control.completeOnboarding(link.url);
    const [onboarded] = (await control.events("account.updated")).filter((e) => e.data.previous_attributes);
    const previous = onboarded!.data.previous_attributes;
    expect(previous).toMatchObject({ payouts_enabled: false, charges_enabled: false, details_submitted: false });
    expect(previous.external_accounts).toMatchObject({ object: "list", data: [] });
    for (const value of Object.values(previous)) expect(value).not.toBeNull();
  });

  it("invoice.payments only comes with expand[]=payments, and never in webhook payloads", async () => {
    const { stripe, control } = emulatedStripe();
    const price = await stripe.prices.create({ product_data: { name: "Pro" }, unit_amount: 3000, currency: "usd", recurring: { interval: "month" } });
    const customer = await stripe.customers.create({ email: "inv@example.test", payment_method: "pm_card_visa", invoice_settings: { default_payment_method: "pm_card_visa" } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const invoiceId = sub.latest_invoice as string;
    expect(await stripe.invoices.retrieve(invoiceId)).not.toHaveProperty("payments");
    expect((await stripe.invoices.list({ customer: customer.id })).data[0]).not.toHaveProperty("payments");
    const expanded = await stripe.invoices.retrieve(invoiceId, { expand: ["payments"] });
    expect(expanded.payments?.data[0]).toMatchObject({ object: "invoice_payment", status: "paid", payment: { type: "payment_intent" } });
    const listed = await stripe.invoices.list({ customer: customer.id, expand: ["data.payments"] });
    expect(listed.data[0]!.payments?.data).toHaveLength(1);
    const withInvoice = await stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice.payments"] });
    expect((withInvoice.latest_invoice as { payments?: unknown }).payments).toBeDefined();
    const paid = await control.events("invoice.paid");
    expect(paid).toHaveLength(1);
    expect(paid[0]!.data.object).not.toHaveProperty("payments");
  });

  it("transfers are limited by the platform's available balance (400 balance_insufficient); the old behaviour is an option", async () => {
    const { stripe, control } = emulatedStripe();
    const account = await stripe.accounts.create({ type: "express", capabilities: { transfers: { requested: true } } });
    const link = await stripe.accountLinks.create({ account: account.id, type: "account_onboarding", refresh_url: "http://localhost/r", return_url: "http://localhost/d" });
    await control.completeOnboarding(link.url);

    expect(await stripeError(stripe.transfers.create({ amount: 500, currency: "usd", destination: account.id }))).toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError", code: "balance_insufficient" });
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: "usd", payment_method: "pm_card_visa", confirm: true });
    expect((await stripe.balance.retrieve()).available).toEqual([expect.objectContaining({ amount: 2000, currency: "usd" })]);
    const transfer = await stripe.transfers.create({ amount: 1500, currency: "usd", destination: account.id });
    expect(await stripeError(stripe.transfers.create({ amount: 600, currency: "usd", destination: account.id }))).toMatchObject({ code: "balance_insufficient" });
    await stripe.transfers.createReversal(transfer.id, { amount: 100 });
    await stripe.transfers.create({ amount: 600, currency: "usd", destination: account.id });
    expect((await stripe.balance.retrieve()).available[0]!.amount).toBe(0);
    // A refund takes funds back too.
    await stripe.refunds.create({ payment_intent: pi.id, amount: 1 });
    expect((await stripe.balance.retrieve()).available[0]!.amount).toBe(-1);
    // source_transaction transfers use that charge's funds.
    const sale = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", payment_method: "pm_card_visa", confirm: true });
    await stripe.transfers.create({ amount: 1000, currency: "usd", destination: account.id, source_transaction: sale.latest_charge as string });
    expect(await stripeError(stripe.transfers.create({ amount: 1, currency: "usd", destination: account.id, source_transaction: sale.latest_charge as string }))).toMatchObject({ code: "amount_too_large" });

    await control.configure({ unlimited_platform_balance: true });
    expect(await stripe.transfers.create({ amount: 1_000_000, currency: "usd", destination: account.id })).toMatchObject({ object: "transfer" });
  });

  it("a test clock advance answers advancing, then the clock is ready (with both events)", async () => {
    const { stripe, control } = emulatedStripe();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1 });
    expect(clock.status).toBe("ready");
    const advancing = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 + 86_400 });
    expect(advancing).toMatchObject({ status: "advancing", frozen_time: JAN_1 + 86_400, status_details: { advancing: { target_frozen_time: JAN_1 + 86_400 } } });
    expect(await stripe.testHelpers.testClocks.retrieve(clock.id)).toMatchObject({ status: "ready", frozen_time: JAN_1 + 86_400 });
    expect((await control.events()).map((e) => e.type).filter((t: string) => t.startsWith("test_helpers")).reverse()).toEqual([
      "test_helpers.test_clock.created",
      "test_helpers.test_clock.advancing",
      "test_helpers.test_clock.ready",
    ]);
  });

  it("Checkout Sessions use the version's ui_mode values (hosted_page), and refuse the old `hosted`", async () => {
    const { stripe } = emulatedStripe();
    const line_items = [{ price_data: { currency: "usd", unit_amount: 1000, product_data: { name: "Course" } }, quantity: 1 }];
    const session = await stripe.checkout.sessions.create({ mode: "payment", line_items, success_url: "http://localhost/ok" });
    expect(session.ui_mode).toBe("hosted_page");
    const old = await stripeError(stripe.checkout.sessions.create({ mode: "payment", line_items, success_url: "http://localhost/ok", ui_mode: "hosted" as never }));
    expect(old).toMatchObject({ statusCode: 400, param: "ui_mode" });
  });
});

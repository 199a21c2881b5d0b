// Customers, payment methods, payment intents, charges, refunds and Checkout, driven through the
// official Stripe SDK against the emulator.
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../workers/app";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { emulatedStripe, stripeError } from "./helpers";

describe("customers", () => {
  it("creates, retrieves, updates, lists with has_more and deletes in Stripe's shapes", async () => {
    const { stripe } = emulatedStripe();
    const created = await stripe.customers.create({ email: "ada@example.test", name: "Ada", metadata: { userId: "usr_1" } });
    expect(created).toMatchObject({ object: "customer", email: "ada@example.test", livemode: false, metadata: { userId: "usr_1" } });
    expect(created.id).toMatch(/^cus_/);
    expect(typeof created.created).toBe("number");

    const updated = await stripe.customers.update(created.id, { name: "Ada L.", metadata: { plan: "pro" } });
    expect(updated.name).toBe("Ada L.");
    expect(updated.metadata).toEqual({ userId: "usr_1", plan: "pro" });
    expect((await stripe.customers.retrieve(created.id)) as Stripe.Customer).toMatchObject({ id: created.id, name: "Ada L." });

    await stripe.customers.create({ email: "b@example.test" });
    await stripe.customers.create({ email: "c@example.test" });
    const page = await stripe.customers.list({ limit: 2 });
    expect(page).toMatchObject({ object: "list", has_more: true });
    expect(page.data).toHaveLength(2);
    const rest = await stripe.customers.list({ limit: 2, starting_after: page.data[1]!.id });
    expect(rest.has_more).toBe(false);
    expect(rest.data.map((c) => c.id)).toEqual([created.id]);
    const all: string[] = [];
    for await (const c of stripe.customers.list({ limit: 1 })) all.push(c.id);
    expect(all).toHaveLength(3);
    expect((await stripe.customers.list({ email: "ada@example.test" })).data).toHaveLength(1);

    expect(await stripe.customers.del(created.id)).toEqual({ id: created.id, object: "customer", deleted: true });
  });

  it("answers 404 resource_missing and 400 parameter_missing like Stripe", async () => {
    const { stripe } = emulatedStripe();
    const notFound = await stripeError(stripe.customers.retrieve("cus_nope"));
    expect(notFound).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(notFound).toMatchObject({ statusCode: 404, type: "StripeInvalidRequestError", code: "resource_missing", param: "id" });
    expect(notFound.message).toBe("No such customer: 'cus_nope'");
    expect(notFound.requestId).toMatch(/^req_/);

    const missingParam = await stripeError(stripe.paymentIntents.create({ currency: "usd" } as Stripe.PaymentIntentCreateParams));
    expect(missingParam).toMatchObject({ statusCode: 400, code: "parameter_missing", param: "amount" });
  });

  it("rejects a missing or malformed API key with 401", async () => {
    const { stripe } = emulatedStripe();
    const bad = new Stripe("pk_live_wrong", { httpClient: (stripe as any)._api.httpClient, maxNetworkRetries: 0 });
    const error = await stripeError(bad.customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error.statusCode).toBe(401);
  });
});

describe("payment methods", () => {
  it("turns Stripe's magic test ids into card payment methods and attaches them", async () => {
    const { stripe } = emulatedStripe();
    const customer = await stripe.customers.create({ email: "pm@example.test" });
    const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    expect(pm).toMatchObject({ object: "payment_method", type: "card", customer: customer.id, card: { brand: "visa", last4: "4242" } });
    expect(pm.id).toMatch(/^pm_/);
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
    expect((await stripe.customers.listPaymentMethods(customer.id)).data.map((p) => p.id)).toEqual([pm.id]);
    const detached = await stripe.paymentMethods.detach(pm.id);
    expect(detached.customer).toBeNull();
  });

  it("declines attaching a card that Stripe would decline", async () => {
    const { stripe } = emulatedStripe();
    const customer = await stripe.customers.create({});
    const error = await stripeError(stripe.paymentMethods.attach("pm_card_chargeDeclined", { customer: customer.id }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, code: "card_declined", decline_code: "generic_decline" });
  });
});

describe("payment intents and charges", () => {
  it("creates, confirms and retrieves a payment intent with metadata and its charge", async () => {
    const { stripe } = emulatedStripe();
    const customer = await stripe.customers.create({ email: "buyer@example.test" });
    const created = await stripe.paymentIntents.create({ amount: 4900, currency: "usd", customer: customer.id, metadata: { courseId: "crs_1", paymentId: "pay_1" } });
    expect(created).toMatchObject({ object: "payment_intent", status: "requires_payment_method", amount: 4900, currency: "usd", metadata: { courseId: "crs_1" } });
    expect(created.client_secret).toContain(`${created.id}_secret_`);

    const confirmed = await stripe.paymentIntents.confirm(created.id, { payment_method: "pm_card_visa" });
    expect(confirmed.status).toBe("succeeded");
    expect(confirmed.amount_received).toBe(4900);
    expect(confirmed.latest_charge).toMatch(/^ch_/);

    const retrieved = await stripe.paymentIntents.retrieve(created.id, { expand: ["latest_charge"] });
    const charge = retrieved.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ object: "charge", status: "succeeded", paid: true, amount: 4900, amount_refunded: 0, payment_intent: created.id, customer: customer.id });
    expect((await stripe.charges.list({ payment_intent: created.id })).data.map((c) => c.id)).toEqual([charge.id]);

    const updated = await stripe.paymentIntents.update(created.id, { metadata: { note: "x" } });
    expect(updated.metadata).toEqual({ courseId: "crs_1", paymentId: "pay_1", note: "x" });
    expect((await stripe.paymentIntents.list({ customer: customer.id })).data).toHaveLength(1);
  });

  it.each([
    ["pm_card_chargeDeclined", "card_declined", "generic_decline"],
    ["pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"],
    ["pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"],
  ])("declines %s with 402 %s / %s and leaves the intent retryable", async (pm, code, declineCode) => {
    const { stripe } = emulatedStripe();
    const error = await stripeError(stripe.paymentIntents.create({ amount: 2000, currency: "usd", payment_method: pm, confirm: true, metadata: { orderId: "o1" } }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, type: "StripeCardError", code, decline_code: declineCode });
    const pi = error.payment_intent!;
    expect(pi).toMatchObject({ status: "requires_payment_method", last_payment_error: { type: "card_error", code, decline_code: declineCode } });
    expect((await stripe.charges.retrieve(error.charge as string)).status).toBe("failed");

    const retried = await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" });
    expect(retried.status).toBe("succeeded");
    expect(retried.metadata).toEqual({ orderId: "o1" });
  });

  it("cancels an unpaid intent but not a succeeded one", async () => {
    const { stripe } = emulatedStripe();
    const open = await stripe.paymentIntents.create({ amount: 1000, currency: "eur" });
    expect((await stripe.paymentIntents.cancel(open.id)).status).toBe("canceled");
    const paid = await stripe.paymentIntents.create({ amount: 1000, currency: "eur", payment_method: "pm_card_visa", confirm: true });
    expect(await stripeError(stripe.paymentIntents.cancel(paid.id))).toMatchObject({ statusCode: 400, code: "payment_intent_unexpected_state" });
  });
});

describe("refunds", () => {
  it("refunds partially then fully, tracking charge.amount_refunded", async () => {
    const { stripe } = emulatedStripe();
    const pi = await stripe.paymentIntents.create({ amount: 5000, currency: "usd", payment_method: "pm_card_visa", confirm: true });
    const partial = await stripe.refunds.create({ payment_intent: pi.id, amount: 1500, reason: "requested_by_customer", metadata: { refundId: "ref_1" } });
    expect(partial).toMatchObject({ object: "refund", status: "succeeded", amount: 1500, payment_intent: pi.id, reason: "requested_by_customer" });
    let charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ amount_refunded: 1500, refunded: false });

    const tooMuch = await stripeError(stripe.refunds.create({ charge: charge.id, amount: 4000 }));
    expect(tooMuch).toMatchObject({ statusCode: 400, code: "amount_too_large", param: "amount" });

    const rest = await stripe.refunds.create({ charge: charge.id });
    expect(rest.amount).toBe(3500);
    charge = await stripe.charges.retrieve(charge.id);
    expect(charge).toMatchObject({ amount_refunded: 5000, refunded: true });
    expect(await stripeError(stripe.refunds.create({ payment_intent: pi.id }))).toMatchObject({ code: "charge_already_refunded" });
    expect((await stripe.refunds.list({ payment_intent: pi.id })).data.map((r) => r.amount)).toEqual([3500, 1500]);
  });
});

describe("checkout sessions and the hosted page", () => {
  it("completes a payment-mode session with a test card and redirects to success_url", async () => {
    const { stripe, control } = emulatedStripe();
    const product = await stripe.products.create({ name: "Rust for Learners" });
    const price = await stripe.prices.create({ product: product.id, unit_amount: 2900, currency: "usd" });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://localhost:8787/checkout/success?session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "http://localhost:8787/courses/rust",
      customer_email: "learner@example.test",
      client_reference_id: "usr_42",
      metadata: { courseId: "crs_rust" },
      payment_intent_data: { metadata: { courseId: "crs_rust" } },
    });
    expect(session).toMatchObject({ object: "checkout.session", status: "open", payment_status: "unpaid", amount_total: 2900, mode: "payment" });
    expect(session.url).toBe(`http://localhost/_stripe/c/pay/${session.url!.split("/").at(-2)}/${session.id}`);

    const page = await control.binding.fetch(session.url!);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain("Rust for Learners");
    expect(html).toContain('name="card"');
    expect(html).toContain('name="name"');
    expect(html).toContain(">Pay</button>");
    expect(html).toContain('href="http://localhost:8787/courses/rust"');

    const declined = await control.completeCheckout(session.url!, { card: "4000 0000 0000 9995" });
    expect(declined.status).toBe(402);
    expect(await declined.text()).toContain("Your card has insufficient funds.");

    const paid = await control.completeCheckout(session.url!, { name: "Grace", card: "4242 4242 4242 4242" });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("Location")).toBe(`http://localhost:8787/checkout/success?session_id=${session.id}`);

    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent"] });
    expect(done).toMatchObject({ status: "complete", payment_status: "paid", client_reference_id: "usr_42", customer_details: { email: "learner@example.test", name: "Grace" } });
    expect(done.payment_intent).toMatchObject({ status: "succeeded", amount: 2900, metadata: { courseId: "crs_rust" } });
    expect((await stripe.checkout.sessions.listLineItems(session.id)).data[0]).toMatchObject({ description: "Rust for Learners", amount_total: 2900, quantity: 1 });
    expect(await stripeError(stripe.checkout.sessions.expire(session.id))).toMatchObject({ statusCode: 400 });
  });

  it("completes a subscription-mode session: customer, subscription and a paid first invoice", async () => {
    const { stripe, control } = emulatedStripe();
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price_data: { currency: "usd", unit_amount: 1500, recurring: { interval: "month" }, product_data: { name: "Coursemint Pro" } }, quantity: 1 }],
      success_url: "http://localhost:8787/billing?ok=1",
      cancel_url: "http://localhost:8787/billing",
      subscription_data: { metadata: { userId: "usr_7" } },
    });
    const done = await control.completeCheckout(session.url!, { name: "Lin", email: "lin@example.test", card: "4242424242424242" });
    expect(done.status).toBe(303);
    const complete = await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription"] });
    const sub = complete.subscription as Stripe.Subscription;
    expect(sub).toMatchObject({ status: "active", metadata: { userId: "usr_7" }, customer: complete.customer });
    expect(sub.items.data[0]!.price).toMatchObject({ unit_amount: 1500, recurring: { interval: "month" } });
    const invoice = await stripe.invoices.retrieve(complete.invoice as string);
    expect(invoice).toMatchObject({ status: "paid", amount_paid: 1500, billing_reason: "subscription_create" });
  });

  it("expires an open session and rejects recurring prices in payment mode", async () => {
    const { stripe } = emulatedStripe();
    const monthly = await stripe.prices.create({ product_data: { name: "Pro" }, unit_amount: 1000, currency: "usd", recurring: { interval: "month" } });
    const error = await stripeError(stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price: monthly.id, quantity: 1 }], success_url: "http://x/s" }));
    expect(error).toMatchObject({ statusCode: 400, param: "line_items[0][price]" });
    const session = await stripe.checkout.sessions.create({ mode: "subscription", line_items: [{ price: monthly.id, quantity: 1 }], success_url: "http://x/s" });
    expect((await stripe.checkout.sessions.expire(session.id)).status).toBe("expired");
  });

  it("is reachable by the browser through the app's /_stripe proxy", async () => {
    const { stripe } = emulatedStripe();
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 990, product_data: { name: "Intro to SQL" } }, quantity: 1 }],
      success_url: "http://localhost/done",
    });
    const page = await SELF.fetch(session.url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Intro to SQL");
    const paid = await SELF.fetch(session.url!, { method: "POST", body: new URLSearchParams({ name: "A", card: "4242424242424242" }), redirect: "manual" });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("Location")).toBe("http://localhost/done");
  });

  it("shows the Customer's email on the Checkout page instead of asking for it, as Stripe does", async () => {
    const { stripe } = emulatedStripe();
    const customer = await stripe.customers.create({ email: "signed-in@example.test" });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      customer: customer.id,
      line_items: [{ price_data: { currency: "usd", unit_amount: 990, product_data: { name: "Intro to SQL" } }, quantity: 1 }],
      success_url: "http://localhost/done",
    });
    const html = await (await SELF.fetch(session.url!)).text();
    expect(html).toContain('<p data-testid="checkout-email">signed-in@example.test</p>');
    expect(html).not.toContain('name="email"');
    const anonymous = await stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price_data: { currency: "usd", unit_amount: 990, product_data: { name: "x" } }, quantity: 1 }], success_url: "http://localhost/done" });
    expect(await (await SELF.fetch(anonymous.url!)).text()).toContain('name="email"');
  });

  it("gives objects made on a hosted page links on the app's own port (APP_URL), not the emulator's default", async () => {
    const { stripe } = emulatedStripe();
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price_data: { currency: "usd", unit_amount: 1500, recurring: { interval: "month" }, product_data: { name: "Coursemint Pro" } }, quantity: 1 }],
      success_url: "http://localhost:8803/account/billing",
    });
    // The app on another port (npm start -- --port 8803): its proxy tells the emulator where pages live.
    const appOnAnotherPort = { ...env, APP_URL: "http://localhost:8803" } as unknown as Env;
    const ctx = createExecutionContext();
    const form = new URLSearchParams({ name: "A", card: "4242424242424242", email: "port@example.test" });
    const paid = await worker.fetch!(new Request(session.url!, { method: "POST", body: form, redirect: "manual" }) as never, appOnAnotherPort, ctx);
    await waitOnExecutionContext(ctx);
    expect(paid.status).toBe(303);
    const complete = await stripe.checkout.sessions.retrieve(session.id);
    const invoice = await stripe.invoices.retrieve(complete.invoice as string);
    expect(invoice.hosted_invoice_url).toMatch(/^http:\/\/localhost:8803\/_stripe\/i\//);
  });
});

// Checkout Sessions (payment and subscription mode), their line items, expiry, and what the hosted
// page's Pay button does (pages.ts renders it; index.ts serves it).
import { DAY } from "../core";
import type { Route } from "../core";
import { invalid, missing, StripeError } from "../errors";
import type { Params } from "../form";
import { newId } from "../ids";
import { filtered, list } from "../list";
import { arr, int, metadataFrom, obj, str } from "../params";
import type { Obj } from "../store";
import { Resource } from "./resource";

/** The `ui_mode` values of the declared API version (`hosted` was renamed `hosted_page`). */
const UI_MODES = ["hosted_page", "embedded_page", "elements", "form"];

export class Checkout extends Resource {
  create(p: Params) {
    const mode = str(p.mode) ?? "payment";
    if (!["payment", "subscription", "setup"].includes(mode)) throw invalid("mode", `Invalid mode: must be one of payment, setup, or subscription`);
    const successUrl = str(p.success_url) ?? null;
    const uiMode = str(p.ui_mode) ?? "hosted_page";
    if (!UI_MODES.includes(uiMode)) throw invalid("ui_mode", `Invalid ui_mode: must be one of ${UI_MODES.join(", ")}`);
    if (!successUrl && uiMode === "hosted_page") throw missing("success_url");
    const customer = str(p.customer) ?? null;
    if (customer) this.em.load("customer", customer, "customer", "customer");
    const lineItems = arr(p.line_items).map(obj);
    if (!lineItems.length) throw missing("line_items");
    const resolved = lineItems.map((li, i) => {
      let price: Obj;
      if (str(li.price)) price = this.em.load("price", str(li.price)!, "price", `line_items[${i}][price]`);
      else if (li.price_data) price = this.em.prices.create(obj(li.price_data));
      else throw missing(`line_items[${i}][price]`);
      if (mode === "payment" && price.recurring) {
        throw invalid(`line_items[${i}][price]`, "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.");
      }
      if (mode === "subscription" && !price.recurring) {
        throw invalid(`line_items[${i}][price]`, "You must provide at least one recurring price in `subscription` mode when using prices.");
      }
      const quantity = Number(str(li.quantity) ?? 1);
      return {
        id: newId("li"),
        object: "item",
        adjustable_quantity: null,
        amount_discount: 0,
        amount_subtotal: price.unit_amount * quantity,
        amount_tax: 0,
        amount_total: price.unit_amount * quantity,
        currency: price.currency,
        description: this.em.prices.productName(price),
        metadata: {},
        price,
        quantity,
      };
    });
    const amountTotal = resolved.reduce((s, li) => s + li.amount_total, 0);
    const id = newId("cs_test", 58);
    const session = {
      id,
      object: "checkout.session",
      created: this.em.realNow(),
      livemode: false,
      adaptive_pricing: null,
      after_expiration: null,
      allow_promotion_codes: null,
      allowed_payment_method_types: null,
      amount_subtotal: amountTotal,
      amount_total: amountTotal,
      automatic_tax: { enabled: false, liability: null, provider: null, status: null },
      billing_address_collection: null,
      cancel_url: str(p.cancel_url) ?? null,
      client_reference_id: str(p.client_reference_id) ?? null,
      client_secret: null,
      collected_information: null,
      consent: null,
      consent_collection: null,
      currency: resolved[0]!.currency,
      currency_conversion: null,
      custom_fields: [],
      custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
      customer,
      customer_account: null,
      customer_creation: customer ? null : "if_required",
      customer_details: null as Obj | null,
      customer_email: str(p.customer_email) ?? null,
      discounts: [],
      expires_at: int(p, "expires_at") ?? this.em.realNow() + DAY,
      integration_identifier: null,
      invoice: null as string | null,
      invoice_creation: null,
      locale: str(p.locale) ?? null,
      managed_payments: null,
      metadata: metadataFrom({}, p.metadata),
      mode,
      origin_context: null,
      payment_intent: null as string | null,
      payment_link: null,
      payment_method_collection: mode === "subscription" ? "always" : null,
      payment_method_configuration_details: null,
      payment_method_options: { card: { request_three_d_secure: "automatic" } },
      payment_method_types: ["card"],
      payment_status: "unpaid",
      permissions: null,
      recovered_from: null,
      saved_payment_method_options: null,
      setup_intent: null,
      shipping_address_collection: null,
      shipping_cost: null,
      shipping_options: [],
      status: "open",
      submit_type: null,
      subscription: null as string | null,
      success_url: successUrl,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: uiMode,
      wallet_options: null,
      url: `${this.em.options.publicBase}/c/pay/${this.em.options.namespace}/${id}`,
    };
    this.store.put(session, {
      lineItems: resolved,
      paymentIntentData: obj(p.payment_intent_data),
      subscriptionData: obj(p.subscription_data),
    });
    return session;
  }

  lineItems(id: string, p: Params) {
    this.em.load("checkout session", id, "checkout.session");
    return list(`/v1/checkout/sessions/${id}/line_items`, this.store.internal(id).lineItems ?? [], p);
  }

  expire(id: string) {
    const session = this.em.load("checkout session", id, "checkout.session");
    if (session.status !== "open") {
      throw new StripeError(400, "invalid_request_error", `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`, { code: "checkout_session_unexpected_state" });
    }
    session.status = "expired";
    session.url = null;
    this.store.put(session);
    this.em.emit("checkout.session.expired", session);
    return session;
  }

  /** The hosted page's Pay button. Returns the session, or throws the card's StripeError. */
  complete(id: string, form: { name: string; email: string; card: string }) {
    const session = this.em.load("checkout session", id, "checkout.session");
    if (session.status !== "open") throw new StripeError(400, "invalid_request_error", "This Checkout Session is no longer active.", { code: "checkout_session_unexpected_state" });
    const internal = this.store.internal(id);
    let customerId: string | null = session.customer;
    const email = session.customer_email ?? (form.email || null);
    const pm = this.em.paymentMethods.createFromCard(form.card.trim(), form.name || null);
    const decline = this.em.paymentMethods.declineFor(pm.id);
    if (session.mode === "payment") {
      const pid = internal.paymentIntentData ?? {};
      if (!customerId && str(session.customer_creation) === "always") customerId = this.em.customers.create({ email: email ?? "", name: form.name }).id;
      let piId = session.payment_intent as string | null;
      if (!piId) {
        const pi = this.em.paymentIntents.create({
          amount: String(session.amount_total),
          currency: session.currency,
          ...(customerId ? { customer: customerId } : {}),
          ...(pid.metadata ? { metadata: pid.metadata } : { metadata: session.metadata }),
          ...(pid.description ? { description: pid.description } : {}),
          ...(pid.transfer_data ? { transfer_data: pid.transfer_data } : {}),
          ...(pid.application_fee_amount ? { application_fee_amount: pid.application_fee_amount } : {}),
          ...(pid.transfer_group ? { transfer_group: pid.transfer_group } : {}),
          ...(email ? { receipt_email: email } : {}),
        });
        piId = pi.id;
        session.payment_intent = piId;
        this.store.put(session);
      }
      this.em.paymentIntents.confirm(piId!, { payment_method: pm.id });
    } else {
      if (decline) {
        throw new StripeError(402, "card_error", decline.message, { code: decline.code, decline_code: decline.decline_code });
      }
      if (!customerId) customerId = this.em.customers.create({ email: email ?? "", name: form.name }).id;
      this.em.paymentMethods.attach(pm.id, customerId);
      const sd = internal.subscriptionData ?? {};
      const sub = this.em.subscriptions.create({
        customer: customerId,
        items: (internal.lineItems as Obj[]).map((li) => ({ price: li.price.id, quantity: String(li.quantity) })),
        default_payment_method: pm.id,
        metadata: sd.metadata ?? {},
        payment_behavior: "error_if_incomplete",
      });
      session.subscription = sub.id;
      session.invoice = sub.latest_invoice;
    }
    session.customer = customerId;
    session.customer_details = { address: null, business_name: null, email, individual_name: null, name: form.name || null, phone: null, tax_exempt: "none", tax_ids: [] };
    session.status = "complete";
    session.payment_status = "paid";
    session.url = null;
    this.store.put(session);
    this.em.emit("checkout.session.completed", session);
    return session;
  }

  routes(r: Route) {
    r("POST", "/v1/checkout/sessions", (p) => this.create(p));
    r("GET", "/v1/checkout/sessions", (p) => list("/v1/checkout/sessions", filtered(this.store, "checkout.session", p, ["customer", "payment_intent", "subscription", "status"]), p));
    r("GET", "/v1/checkout/sessions/:id", (_, [id]) => this.em.load("checkout session", id!, "checkout.session", "session"));
    r("GET", "/v1/checkout/sessions/:id/line_items", (p, [id]) => this.lineItems(id!, p));
    r("POST", "/v1/checkout/sessions/:id/expire", (_, [id]) => this.expire(id!));
  }
}

declare module "../core" {
  interface Resources {
    readonly checkout: Checkout;
  }
}

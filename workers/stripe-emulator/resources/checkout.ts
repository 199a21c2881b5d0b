// Checkout Sessions (payment and subscription mode), their line items, expiry, and what the hosted
// page's Pay button does (pages.ts renders it; index.ts serves it).
import { DAY } from "../core";
import type { Route } from "../core";
import { invalid, missing, StripeError } from "../errors";
import type { Params } from "../form";
import { newId } from "../ids";
import { filtered, list } from "../list";
import { arr, bool, int, metadataFrom, obj, str } from "../params";
import type { Obj } from "../store";
import { computeTax, DEFAULT_BUYER_COUNTRY, needsState, taxIdTypeFor, validTaxId } from "../tax";
import { Resource } from "./resource";

/** What the hosted page collects besides the card: the billing address and a business's tax ID. */
export type CheckoutForm = {
  name: string;
  email: string;
  card: string;
  country?: string;
  state?: string;
  postal_code?: string;
  line1?: string;
  city?: string;
  business_name?: string;
  tax_id?: string;
};

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
    const automaticTax = bool(obj(p.automatic_tax).enabled);
    const taxIdCollection = bool(obj(p.tax_id_collection).enabled);
    const billingAddressCollection = str(p.billing_address_collection) ?? null;
    if (billingAddressCollection && !["auto", "required"].includes(billingAddressCollection)) {
      throw invalid("billing_address_collection", "Invalid billing_address_collection: must be one of auto or required");
    }
    const customerUpdate = obj(p.customer_update);
    for (const f of ["address", "name"] as const) {
      const v = str(customerUpdate[f]);
      if (v !== undefined && v !== "auto" && v !== "never") throw invalid(`customer_update[${f}]`, `Invalid customer_update[${f}]: must be one of auto or never`);
    }
    if (Object.keys(customerUpdate).length && !customer) throw invalid("customer_update", "`customer_update` can only be used with `customer`.");
    if (taxIdCollection && customer && str(customerUpdate.name) !== "auto") {
      throw invalid("customer_update[name]", "When `customer` is set, `tax_id_collection[enabled]=true` requires `customer_update[name]=auto` so the business name entered in Checkout is saved to the Customer.");
    }
    const customerObj = customer ? this.store.get(customer) : null;
    if (automaticTax && mode !== "payment") {
      throw invalid("automatic_tax[enabled]", "The Stripe emulator calculates tax for Checkout Sessions in `payment` mode only.");
    }
    if (automaticTax && customer && !customerObj?.address?.country && str(customerUpdate.address) !== "auto") {
      throw invalid(
        "automatic_tax[enabled]",
        "Automatic tax calculation in Checkout requires a valid address on the Customer. Add a valid address to the Customer or set `customer_update[address]` to 'auto' to save the address entered in Checkout to the Customer.",
      );
    }
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
      if (automaticTax && price.tax_behavior === "unspecified") {
        throw invalid(`line_items[${i}][price]`, `Automatic tax needs the tax behavior of every price: price \`${price.id}\` has \`tax_behavior=unspecified\`. Set \`tax_behavior\` to \`inclusive\` or \`exclusive\` (or a default tax behavior in the Tax settings).`);
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
        taxes: [] as Obj[],
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
      automatic_tax: automaticTax
        ? { enabled: true, liability: { type: "self" }, provider: "stripe", status: "requires_location_inputs" as string | null }
        : { enabled: false, liability: null, provider: null, status: null as string | null },
      billing_address_collection: billingAddressCollection,
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
      tax_id_collection: { enabled: taxIdCollection, required: "never" },
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0, breakdown: { discounts: [], taxes: [] as Obj[] } },
      ui_mode: uiMode,
      wallet_options: null,
      url: `${this.em.options.publicBase}/c/pay/${this.em.options.namespace}/${id}`,
    };
    const internal = {
      lineItems: resolved,
      paymentIntentData: obj(p.payment_intent_data),
      subscriptionData: obj(p.subscription_data),
      customerUpdate,
    };
    // A Customer with an address is taxed at once (Checkout shows the tax before asking for anything).
    if (automaticTax && customerObj?.address?.country) {
      this.applyTax(session, internal.lineItems, { address: customerObj.address, taxIds: [], taxExempt: customerObj.tax_exempt ?? "none" });
    }
    this.store.put(session, internal);
    return session;
  }

  /**
   * Stripe Tax on the session's lines (tax.ts): line and session totals, `total_details.amount_tax`
   * and its breakdown, `automatic_tax.status: complete`. Exclusive prices get the tax added;
   * inclusive ones keep their total with the tax inside.
   */
  private applyTax(session: Obj, lineItems: Obj[], buyer: { address: Obj; taxIds: Array<{ type: string; value: string }>; taxExempt: "none" | "exempt" | "reverse" }) {
    const result = computeTax({
      lines: lineItems.map((li) => ({ amount: li.amount_subtotal, taxBehavior: li.price.tax_behavior === "inclusive" ? "inclusive" : "exclusive" })),
      address: buyer.address,
      taxIds: buyer.taxIds,
      taxExempt: buyer.taxExempt,
      currency: session.currency,
    });
    const rate = result.rate(this.em.realNow());
    lineItems.forEach((li, i) => {
      const line = result.lines[i]!;
      li.amount_tax = line.tax;
      li.amount_total = line.total;
      li.taxes = [{ amount: line.tax, rate, taxability_reason: result.taxabilityReason, taxable_amount: line.taxable }];
    });
    session.amount_total = lineItems.reduce((s: number, li) => s + li.amount_total, 0);
    session.total_details.amount_tax = result.amountTax;
    session.total_details.breakdown = {
      discounts: [],
      taxes: [{ amount: result.amountTax, rate, taxability_reason: result.taxabilityReason, taxable_amount: result.lines.reduce((s, l) => s + l.taxable, 0) }],
    };
    session.automatic_tax.status = "complete";
  }

  /**
   * The hosted page's buyer details as Stripe checks them: with automatic tax (or a required billing
   * address) the country, and in the US and Canada the state or province; a tax ID, when collected,
   * must have its country's format. Throws the message the page shows.
   */
  private buyerFrom(session: Obj, form: CheckoutForm) {
    const wantsAddress = session.automatic_tax.enabled || session.billing_address_collection === "required";
    // The page preselects a country (Stripe: from the buyer's IP address); a form without one sends it.
    const country = ((form.country ?? "").trim() || (wantsAddress ? DEFAULT_BUYER_COUNTRY : "")).toUpperCase();
    const state = (form.state ?? "").trim().toUpperCase();
    if (wantsAddress && !/^[A-Z]{2}$/.test(country)) throw new StripeError(400, "invalid_request_error", "Choose your country: it decides the tax on this purchase.", { code: "incomplete_address", param: "country" });
    if (session.automatic_tax.enabled && needsState(country) && !state) {
      throw new StripeError(400, "invalid_request_error", `Enter your ${country === "CA" ? "province" : "state"}: it decides the tax on this purchase.`, { code: "incomplete_address", param: "state" });
    }
    const address = country
      ? { city: form.city?.trim() || null, country, line1: form.line1?.trim() || null, line2: null, postal_code: form.postal_code?.trim() || null, state: state || null }
      : null;
    const taxIds: Array<{ type: string; value: string }> = [];
    const rawTaxId = (form.tax_id ?? "").trim();
    if (session.tax_id_collection?.enabled && rawTaxId) {
      const type = taxIdTypeFor(country);
      const value = type ? validTaxId(type, rawTaxId) : null;
      if (!type || !value) throw new StripeError(400, "invalid_request_error", `Your tax ID is invalid: ${rawTaxId} is not a ${type ? type.replace("_", " ").toUpperCase() : "supported"} number for your country.`, { code: "tax_id_invalid", param: "tax_id" });
      taxIds.push({ type, value });
    }
    return { address, taxIds, businessName: taxIds.length ? form.business_name?.trim() || null : null };
  }

  /** The hosted page's "Update total" step: the tax for the address entered, shown before paying. */
  previewTax(id: string, form: CheckoutForm) {
    const session = this.em.load("checkout session", id, "checkout.session");
    if (session.status !== "open") throw new StripeError(400, "invalid_request_error", "This Checkout Session is no longer active.", { code: "checkout_session_unexpected_state" });
    if (!session.automatic_tax.enabled) return session;
    const internal = this.store.internal(id);
    const buyer = this.buyerFrom(session, form);
    const customer = session.customer ? this.store.get(session.customer) : null;
    this.applyTax(session, internal.lineItems, { address: buyer.address!, taxIds: buyer.taxIds, taxExempt: customer?.tax_exempt ?? "none" });
    this.store.put(session, internal);
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
  complete(id: string, form: CheckoutForm) {
    const session = this.em.load("checkout session", id, "checkout.session");
    if (session.status !== "open") throw new StripeError(400, "invalid_request_error", "This Checkout Session is no longer active.", { code: "checkout_session_unexpected_state" });
    const internal = this.store.internal(id);
    const buyer = this.buyerFrom(session, form);
    const existing = session.customer ? this.store.get(session.customer) : null;
    const taxExempt: "none" | "exempt" | "reverse" = existing?.tax_exempt ?? "none";
    if (session.automatic_tax.enabled) {
      this.applyTax(session, internal.lineItems, { address: buyer.address!, taxIds: buyer.taxIds, taxExempt });
      this.store.put(session, internal);
    }
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
      } else if (this.store.get(piId)?.amount !== session.amount_total) {
        // Another attempt after a decline, with another address: the tax and so the amount changed.
        this.em.paymentIntents.update(piId, { amount: String(session.amount_total) });
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
    session.customer_details = {
      address: buyer.address,
      business_name: buyer.businessName,
      email,
      individual_name: null,
      name: form.name || null,
      phone: null,
      tax_exempt: taxExempt,
      tax_ids: buyer.taxIds,
    };
    // `customer_update`: what Checkout collected is saved to the Customer.
    const update = (internal.customerUpdate ?? {}) as Obj;
    if (customerId && existing && (update.address === "auto" || update.name === "auto")) {
      this.em.customers.update(customerId, {
        ...(update.address === "auto" && buyer.address ? { address: Object.fromEntries(Object.entries(buyer.address).map(([k, v]) => [k, v ?? ""])) } : {}),
        ...(update.name === "auto" && (buyer.businessName || form.name) ? { name: buyer.businessName ?? form.name } : {}),
      });
    }
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

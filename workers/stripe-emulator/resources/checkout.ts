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

export class Checkout extends Resource {
  create(p: Params) {
    const mode = str(p.mode) ?? "payment";
    if (!["payment", "subscription", "setup"].includes(mode)) throw invalid("mode", `Invalid mode: must be one of payment, setup, or subscription`);
    const successUrl = str(p.success_url) ?? null;
    const uiMode = str(p.ui_mode) ?? "hosted";
    if (!successUrl && uiMode === "hosted") throw missing("success_url");
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
        amount_discount: 0,
        amount_subtotal: price.unit_amount * quantity,
        amount_tax: 0,
        amount_total: price.unit_amount * quantity,
        currency: price.currency,
        description: this.em.prices.productName(price),
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
      amount_subtotal: amountTotal,
      amount_total: amountTotal,
      cancel_url: str(p.cancel_url) ?? null,
      client_reference_id: str(p.client_reference_id) ?? null,
      currency: resolved[0]!.currency,
      customer,
      customer_creation: customer ? null : "if_required",
      customer_details: null as Obj | null,
      customer_email: str(p.customer_email) ?? null,
      expires_at: int(p, "expires_at") ?? this.em.realNow() + DAY,
      invoice: null as string | null,
      locale: str(p.locale) ?? null,
      metadata: metadataFrom({}, p.metadata),
      mode,
      payment_intent: null as string | null,
      payment_method_types: ["card"],
      payment_status: "unpaid",
      status: "open",
      submit_type: null,
      subscription: null as string | null,
      success_url: successUrl,
      ui_mode: uiMode,
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
    session.customer_details = { address: null, email, name: form.name || null, phone: null, tax_exempt: "none", tax_ids: [] };
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

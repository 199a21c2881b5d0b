// Payment methods: cards from Stripe's test tokens/numbers (cards.ts), attach and detach.
import { cardByNumber, cardByToken, type Decline } from "../cards";
import type { Route } from "../core";
import { invalid, missing, StripeError } from "../errors";
import { list } from "../list";
import { obj, requireStr, str } from "../params";
import type { Obj } from "../store";
import { Resource } from "./resource";

export class PaymentMethods extends Resource {
  createFromCard(tokenOrNumber: string, billingName?: string | null) {
    const card = cardByToken(tokenOrNumber) ?? cardByNumber(tokenOrNumber);
    if (!card) {
      throw new StripeError(402, "card_error", "Your card number is incorrect.", { code: "incorrect_number", param: "number" });
    }
    const pm = {
      ...this.em.base("pm", "payment_method"),
      allow_redisplay: "unspecified",
      billing_details: { address: null, email: null, name: billingName ?? null, phone: null, tax_id: null },
      card: {
        brand: card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
        country: "US",
        display_brand: card.brand,
        exp_month: 12,
        exp_year: new Date().getUTCFullYear() + 3,
        fingerprint: card.number.slice(-8),
        funding: "credit",
        generated_from: null,
        last4: card.number.slice(-4),
        networks: { available: [card.brand], preferred: null },
        regulated_status: "unregulated",
        three_d_secure_usage: { supported: true },
        wallet: null,
      },
      customer: null as string | null,
      customer_account: null,
      metadata: {},
      type: "card",
    };
    this.store.put(pm, { token: card.token });
    return pm;
  }

  /** Accepts a real pm_ id or one of Stripe's magic test ids (which creates a new payment method). */
  resolve(id: string, customerId?: string | null, param = "payment_method"): Obj {
    if (cardByToken(id)) {
      const pm = this.createFromCard(id);
      if (customerId) return this.attach(pm.id, customerId, false);
      return pm;
    }
    const pm = this.em.load("payment_method", id, "payment_method", param);
    if (customerId && pm.customer && pm.customer !== customerId) {
      throw invalid(param, `The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again.`, "payment_method_unexpected_state");
    }
    return pm;
  }

  /** The test card behind a payment method (null for cards made from raw numbers we do not know). */
  cardFor(pmId: string) {
    const token = this.store.internal(pmId).token as string | undefined;
    return token ? cardByToken(token) : undefined;
  }

  declineFor(pmId: string): Decline | undefined {
    const token = this.store.internal(pmId).token as string | undefined;
    return token ? cardByToken(token)?.decline : undefined;
  }

  attach(id: string, customerId: string, emitEvent = true) {
    this.em.load("customer", customerId, "customer", "customer");
    const pm = cardByToken(id) ? this.createFromCard(id) : this.em.load("payment_method", id, "payment_method");
    const token = this.store.internal(pm.id).token as string | undefined;
    const card = token ? cardByToken(token) : undefined;
    if (card?.declinesOnAttach && card.decline) {
      throw new StripeError(402, "card_error", card.decline.message, { code: card.decline.code, decline_code: card.decline.decline_code, param: "" });
    }
    if (pm.customer && pm.customer !== customerId) {
      throw invalid("payment_method", "The payment method you provided has already been attached to a customer.");
    }
    pm.customer = customerId;
    this.store.put(pm);
    if (emitEvent) this.em.emit("payment_method.attached", pm);
    return pm;
  }

  detach(id: string) {
    const pm = this.em.load("payment_method", id, "payment_method");
    if (!pm.customer) throw invalid("payment_method", `The payment method you provided is not attached to a customer so detachment is impossible.`);
    pm.customer = null;
    this.store.put(pm);
    this.em.emit("payment_method.detached", pm);
    return pm;
  }

  routes(r: Route) {
    r("POST", "/v1/payment_methods", (p) => {
      const card = obj(p.card);
      const source = str(card.token) ?? str(card.number);
      if (!source) throw missing("card");
      return this.createFromCard(source, str(obj(p.billing_details).name));
    });
    r("GET", "/v1/payment_methods", (p) => list("/v1/payment_methods", typeof p.customer === "string" && p.customer ? this.store.where("payment_method", "$.customer", p.customer) : this.store.all("payment_method"), p));
    r("GET", "/v1/payment_methods/:id", (_, [id]) => (cardByToken(id!) ? this.createFromCard(id!) : this.em.load("payment_method", id!, "payment_method")));
    r("POST", "/v1/payment_methods/:id/attach", (p, [id]) => this.attach(id!, requireStr(p, "customer")));
    r("POST", "/v1/payment_methods/:id/detach", (_, [id]) => this.detach(id!));
  }
}

declare module "../core" {
  interface Resources {
    readonly paymentMethods: PaymentMethods;
  }
}

// Payment intents (create, update, confirm, cancel) and the charges their confirmations make.
import type { Decline } from "../cards";
import type { Route } from "../core";
import { invalid, StripeError } from "../errors";
import type { Params } from "../form";
import { newId } from "../ids";
import { filtered, list } from "../list";
import { arr, bool, int, metadataFrom, obj, requireStr, str } from "../params";
import type { Obj } from "../store";
import { Resource } from "./resource";

export class PaymentIntents extends Resource {
  create(p: Params, extra: Obj = {}) {
    const amount = int(p, "amount", { required: true })!;
    const currency = requireStr(p, "currency").toLowerCase();
    if (amount < 50) throw invalid("amount", "Amount must be at least $0.50 usd", "amount_too_small");
    const customer = str(p.customer) ?? null;
    if (customer) this.em.load("customer", customer, "customer", "customer");
    const pmParam = str(p.payment_method);
    const pm = pmParam ? this.em.paymentMethods.resolve(pmParam, null) : null;
    const transfer = obj(p.transfer_data);
    const pi = {
      ...this.em.base("pi", "payment_intent", this.em.now(customer)),
      amount,
      amount_capturable: 0,
      amount_received: 0,
      allowed_payment_method_types: null,
      application: null,
      application_fee_amount: int(p, "application_fee_amount") ?? null,
      automatic_payment_methods: p.automatic_payment_methods ? { enabled: bool(obj(p.automatic_payment_methods).enabled), allow_redirects: "always" } : null,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: str(p.capture_method) ?? "automatic_async",
      client_secret: "",
      confirmation_method: "automatic",
      currency,
      customer,
      customer_account: null,
      description: str(p.description) ?? null,
      excluded_payment_method_types: null,
      last_payment_error: null as Obj | null,
      latest_charge: null as string | null,
      metadata: metadataFrom({}, p.metadata),
      managed_payments: null,
      next_action: null,
      on_behalf_of: str(p.on_behalf_of) ?? null,
      payment_method: pm?.id ?? null,
      payment_method_configuration_details: null,
      payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: "automatic" } },
      payment_record: null,
      payment_method_types: arr(p.payment_method_types).length ? arr(p.payment_method_types).map(String) : ["card"],
      processing: null,
      receipt_email: str(p.receipt_email) ?? null,
      review: null,
      setup_future_usage: str(p.setup_future_usage) ?? null,
      shipping: null,
      source: null,
      statement_descriptor: str(p.statement_descriptor) ?? null,
      statement_descriptor_suffix: null,
      status: pm ? "requires_confirmation" : "requires_payment_method",
      transfer_data: transfer.destination ? { destination: String(transfer.destination), ...(transfer.amount ? { amount: Number(transfer.amount) } : {}) } : null,
      transfer_group: str(p.transfer_group) ?? null,
      ...extra,
    };
    pi.client_secret = `${pi.id}_secret_${newId("s", 16).slice(2)}`;
    this.store.put(pi);
    this.em.emit("payment_intent.created", pi);
    if (bool(p.confirm)) return this.confirm(pi.id, {});
    return pi;
  }

  update(id: string, p: Params) {
    const before = this.em.load("payment_intent", id, "payment_intent");
    if (["succeeded", "canceled"].includes(before.status) && (p.amount || p.payment_method)) {
      throw new StripeError(400, "invalid_request_error", `This PaymentIntent's amount could not be updated because it has a status of ${before.status}.`, { code: "payment_intent_unexpected_state" });
    }
    const after = structuredClone(before);
    if (p.amount !== undefined) after.amount = int(p, "amount");
    if (p.description !== undefined) after.description = str(p.description) || null;
    if (p.receipt_email !== undefined) after.receipt_email = str(p.receipt_email) || null;
    if (p.metadata !== undefined) after.metadata = metadataFrom(after.metadata, p.metadata);
    if (p.customer !== undefined) after.customer = str(p.customer) || null;
    if (p.payment_method !== undefined) {
      after.payment_method = this.em.paymentMethods.resolve(requireStr(p, "payment_method"), null).id;
      after.status = "requires_confirmation";
    }
    this.store.put(after);
    return after;
  }

  confirm(id: string, p: Params) {
    const pi = this.em.load("payment_intent", id, "payment_intent");
    if (["succeeded", "canceled", "processing"].includes(pi.status)) {
      throw new StripeError(400, "invalid_request_error", `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_action, requires_payment_method.`, { code: "payment_intent_unexpected_state", payment_intent: pi });
    }
    const pmParam = str(p.payment_method);
    if (pmParam) pi.payment_method = this.em.paymentMethods.resolve(pmParam, null).id;
    if (!pi.payment_method) {
      throw new StripeError(400, "invalid_request_error", "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with " + pi.customer + ", specify a payment method attached to this customer along with the customer ID.", { code: "payment_intent_unexpected_state", param: "payment_method" });
    }
    const decline = this.em.paymentMethods.declineFor(pi.payment_method);
    const charge = this.createCharge(pi, decline);
    pi.latest_charge = charge.id;
    if (decline) {
      pi.status = "requires_payment_method";
      pi.last_payment_error = {
        type: "card_error",
        charge: charge.id,
        code: decline.code,
        decline_code: decline.decline_code,
        doc_url: `https://stripe.com/docs/error-codes/${decline.code.replace(/_/g, "-")}`,
        message: decline.message,
        payment_method: this.store.get(pi.payment_method),
      };
      const pmId = pi.payment_method;
      pi.payment_method = null;
      this.store.put(pi);
      this.em.emit("charge.failed", charge);
      this.em.emit("payment_intent.payment_failed", pi);
      throw new StripeError(402, "card_error", decline.message, {
        code: decline.code,
        decline_code: decline.decline_code,
        charge: charge.id,
        payment_intent: pi,
        payment_method: this.store.get(pmId),
      });
    }
    pi.status = "succeeded";
    pi.amount_received = pi.amount;
    pi.last_payment_error = null;
    this.store.put(pi);
    this.em.emit("charge.succeeded", charge);
    this.em.emit("payment_intent.succeeded", pi);
    const dispute = this.em.paymentMethods.cardFor(pi.payment_method)?.dispute;
    if (dispute) this.em.disputes.schedule(charge.id, dispute);
    return pi;
  }

  cancel(id: string, p: Params) {
    const pi = this.em.load("payment_intent", id, "payment_intent");
    if (pi.status === "succeeded" || pi.status === "canceled") {
      throw new StripeError(400, "invalid_request_error", `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`, { code: "payment_intent_unexpected_state" });
    }
    pi.status = "canceled";
    pi.canceled_at = this.em.now(pi.customer);
    pi.cancellation_reason = str(p.cancellation_reason) ?? null;
    this.store.put(pi);
    this.em.emit("payment_intent.canceled", pi);
    return pi;
  }

  private createCharge(pi: Obj, decline?: Decline) {
    const pm = this.store.get(pi.payment_method)!;
    const ok = !decline;
    const charge = {
      ...this.em.base("ch", "charge", this.em.now(pi.customer)),
      amount: pi.amount,
      amount_captured: ok ? pi.amount : 0,
      amount_refunded: 0,
      application: null,
      application_fee: null,
      application_fee_amount: pi.application_fee_amount,
      balance_transaction: ok ? newId("txn") : null,
      billing_details: pm.billing_details,
      calculated_statement_descriptor: "COURSEMINT",
      captured: ok,
      currency: pi.currency,
      customer: pi.customer,
      description: pi.description,
      disputed: false,
      failure_balance_transaction: null,
      failure_code: decline?.code ?? null,
      failure_message: decline?.message ?? null,
      fraud_details: {},
      metadata: pi.metadata,
      on_behalf_of: pi.on_behalf_of,
      outcome: {
        advice_code: null,
        network_advice_code: null,
        network_decline_code: null,
        ...(ok
          ? { network_status: "approved_by_network", reason: null, risk_level: "normal", seller_message: "Payment complete.", type: "authorized" }
          : { network_status: "declined_by_network", reason: decline!.decline_code ?? decline!.code, risk_level: "normal", seller_message: "The bank did not return any further details with this decline.", type: "issuer_declined" }),
      },
      paid: ok,
      payment_intent: pi.id,
      payment_method: pm.id,
      payment_method_details: {
        card: {
          amount_authorized: ok ? pi.amount : null,
          authorization_code: ok ? String(100000 + (pi.amount % 900000)) : null,
          brand: pm.card.brand,
          checks: pm.card.checks,
          country: "US",
          electronic_commerce_indicator: null,
          exp_month: pm.card.exp_month,
          exp_year: pm.card.exp_year,
          fingerprint: pm.card.fingerprint,
          funding: pm.card.funding,
          installments: null,
          last4: pm.card.last4,
          mandate: null,
          network: pm.card.brand,
          network_token: { used: false },
          network_transaction_id: ok ? newId("ntx", 15).slice(4) : null,
          regulated_status: "unregulated",
          three_d_secure: null,
          transaction_link_id: null,
          wallet: null,
        },
        type: "card",
      },
      receipt_email: pi.receipt_email,
      receipt_number: null,
      receipt_url: `${this.em.options.publicBase}/receipts/${newId("rcpt", 16)}`,
      refunded: false,
      review: null,
      shipping: null,
      source: null,
      source_transfer: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: ok ? "succeeded" : "failed",
      transfer_data: pi.transfer_data,
      transfer_group: pi.transfer_group,
    };
    this.store.put(charge);
    return charge;
  }

  routes(r: Route) {
    r("POST", "/v1/payment_intents", (p) => this.create(p));
    r("GET", "/v1/payment_intents", (p) => list("/v1/payment_intents", filtered(this.store, "payment_intent", p, ["customer"]), p));
    r("GET", "/v1/payment_intents/:id", (_, [id]) => this.em.load("payment_intent", id!, "payment_intent", "intent"));
    r("POST", "/v1/payment_intents/:id", (p, [id]) => this.update(id!, p));
    r("POST", "/v1/payment_intents/:id/confirm", (p, [id]) => this.confirm(id!, p));
    r("POST", "/v1/payment_intents/:id/cancel", (p, [id]) => this.cancel(id!, p));

    r("GET", "/v1/charges", (p) => list("/v1/charges", filtered(this.store, "charge", p, ["customer", "payment_intent"]), p));
    r("GET", "/v1/charges/:id", (_, [id]) => this.em.load("charge", id!, "charge"));
  }
}

declare module "../core" {
  interface Resources {
    readonly paymentIntents: PaymentIntents;
  }
}

// One emulated Stripe account in test mode: Stripe's REST resources (in Stripe's shapes), events and
// their webhook deliveries, test clocks, and the state of the hosted Checkout / onboarding pages.
import { cardByNumber, cardByToken, type Decline } from "./cards";
import { invalid, missing, notFound, StripeError } from "./errors";
import type { Param, Params } from "./form";
import { newId, type Obj, Store } from "./store";

export const API_VERSION = "2026-10-28.endive";
const DAY = 86_400;

export interface EmulatorOptions {
  /** Public base of the hosted pages, e.g. http://localhost:8787/_stripe */
  publicBase: string;
  namespace: string;
  /** Webhook deliveries queued per event (more than 1 simulates Stripe's duplicate deliveries). */
  deliveriesPerEvent: number;
}

type Handler = (p: Params, m: string[]) => Obj | Promise<Obj>;

// ---------- small param helpers ----------
const str = (v: Param | undefined): string | undefined => (typeof v === "string" ? v : undefined);
const obj = (v: Param | undefined): Params => (v && typeof v === "object" && !Array.isArray(v) ? v : {});
const arr = (v: Param | undefined): Param[] => (Array.isArray(v) ? v : v && typeof v === "object" ? Object.values(v) : []);
const bool = (v: Param | undefined) => v === "true" || v === "1";
function int(p: Params, name: string, opts: { required?: boolean; min?: number } = {}): number | undefined {
  const v = str(p[name]);
  if (v === undefined || v === "") {
    if (opts.required) throw missing(name);
    return undefined;
  }
  if (!/^-?\d+$/.test(v)) throw invalid(name, `Invalid integer: ${v}`, "parameter_invalid_integer");
  const n = Number(v);
  if (opts.min !== undefined && n < opts.min) throw invalid(name, `This value must be greater than or equal to ${opts.min}.`);
  return n;
}
function requireStr(p: Params, name: string) {
  const v = str(p[name]);
  if (!v) throw missing(name);
  return v;
}
function metadataFrom(current: Obj, p: Param | undefined): Record<string, string> {
  if (p === "") return {};
  const next: Record<string, string> = { ...current };
  for (const [k, v] of Object.entries(obj(p))) {
    if (v === "") delete next[k];
    else next[k] = String(v);
  }
  return next;
}
function addInterval(ts: number, interval: string, count = 1) {
  const d = new Date(ts * 1000);
  if (interval === "day") d.setUTCDate(d.getUTCDate() + count);
  else if (interval === "week") d.setUTCDate(d.getUTCDate() + 7 * count);
  else if (interval === "month") d.setUTCMonth(d.getUTCMonth() + count);
  else if (interval === "year") d.setUTCFullYear(d.getUTCFullYear() + count);
  return Math.floor(d.getTime() / 1000);
}
const fmtDate = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 10);

export class Emulator {
  /** Events raised by the current request (for the request's webhook scheduling). */
  newEvents = 0;
  private requestId = "";
  private idempotencyKey: string | null = null;
  /** Set while a test clock advances: the time the simulated work happens at. */
  private clockNow: number | null = null;
  private routes: [string, RegExp, Handler][] = [];

  constructor(
    readonly store: Store,
    readonly options: EmulatorOptions,
  ) {
    this.defineRoutes();
  }

  // ---------- routing ----------
  private route(method: string, path: string, handler: Handler) {
    const re = new RegExp(`^${path.replace(/:(\w+)/g, "([^/]+)")}$`);
    this.routes.push([method, re, handler]);
  }

  async dispatch(method: string, path: string, params: Params, requestId: string, idempotencyKey: string | null): Promise<Obj> {
    this.requestId = requestId;
    this.idempotencyKey = idempotencyKey;
    for (const [m, re, handler] of this.routes) {
      const match = m === method ? re.exec(path) : null;
      if (match) {
        const result = await handler(params, match.slice(1).map(decodeURIComponent));
        const expand = arr(params.expand).map(String);
        return this.expand(structuredClone(result), expand);
      }
    }
    throw new StripeError(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`);
  }

  private expand(value: Obj, paths: string[]) {
    for (const path of paths) this.expandPath(value, path.split("."));
    return value;
  }

  private expandPath(value: Obj | null | undefined, parts: string[]) {
    if (!value || !parts.length) return;
    const [key, ...rest] = parts as [string, ...string[]];
    if (key === "data" && Array.isArray(value.data)) {
      for (const item of value.data) this.expandPath(item, rest);
      return;
    }
    const current = value[key];
    if (typeof current === "string") {
      const loaded = this.store.get(current);
      if (loaded) value[key] = loaded;
    }
    if (value[key] && typeof value[key] === "object") this.expandPath(value[key], rest);
  }

  // ---------- time ----------
  realNow() {
    return Math.floor(Date.now() / 1000);
  }

  /** Time for objects of a customer: the frozen time of its test clock, if any. */
  now(customerId?: string | null) {
    if (this.clockNow !== null) return this.clockNow;
    if (customerId) {
      const customer = this.store.get(customerId);
      if (customer?.test_clock) {
        const clock = this.store.get(customer.test_clock);
        if (clock) return clock.frozen_time as number;
      }
    }
    return this.realNow();
  }

  // ---------- generic ----------
  private base(prefix: string, object: string, created = this.realNow()): { id: string; object: string; created: number; livemode: false } {
    return { id: newId(prefix), object, created, livemode: false };
  }

  load(kind: string, id: string, type: string, param = "id"): Obj {
    const found = this.store.get(id);
    if (!found || found.object !== type || found.deleted) throw notFound(kind, id, param);
    return found;
  }

  list(url: string, items: Obj[], p: Params) {
    const limit = Math.min(Math.max(int(p, "limit", { min: 1 }) ?? 10, 1), 100);
    let start = 0;
    const after = str(p.starting_after);
    const before = str(p.ending_before);
    if (after) {
      const i = items.findIndex((o) => o.id === after);
      if (i < 0) throw invalid("starting_after", `No such object: '${after}'`, "resource_missing");
      start = i + 1;
    }
    let data = items.slice(start, start + limit);
    let hasMore = start + limit < items.length;
    if (before) {
      const i = items.findIndex((o) => o.id === before);
      if (i < 0) throw invalid("ending_before", `No such object: '${before}'`, "resource_missing");
      data = items.slice(Math.max(0, i - limit), i);
      hasMore = i - limit > 0;
    }
    return { object: "list", data, has_more: hasMore, url };
  }

  private filtered(type: string, p: Params, fields: string[]) {
    return this.store.all(type).filter((o) => !o.deleted && fields.every((f) => p[f] === undefined || o[f] === p[f]));
  }

  // ---------- events ----------
  emit(type: string, object: Obj, previous?: Obj) {
    const event = {
      id: newId("evt"),
      object: "event",
      api_version: API_VERSION,
      created: this.realNow(),
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: this.clockNow === null ? this.requestId || null : null, idempotency_key: this.clockNow === null ? this.idempotencyKey : null },
      type,
    };
    this.store.put(event);
    for (let i = 0; i < this.options.deliveriesPerEvent; i++) this.store.addDelivery(event.id, Date.now());
    this.newEvents++;
    return event;
  }

  private diff(before: Obj, after: Obj) {
    const prev: Obj = {};
    for (const k of Object.keys(after)) {
      if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k] ?? null;
    }
    return prev;
  }

  /** Saves an updated object and emits `<type>.updated` with previous_attributes when it changed. */
  private saveUpdated(eventType: string, before: Obj, after: Obj) {
    this.store.put(after);
    const prev = this.diff(before, after);
    if (Object.keys(prev).length) this.emit(eventType, after, prev);
    return after;
  }

  // ---------- customers ----------
  createCustomer(p: Params) {
    const testClock = str(p.test_clock) ?? null;
    if (testClock) this.load("test_helpers.test_clock", testClock, "test_helpers.test_clock", "test_clock");
    const customer = {
      ...this.base("cus", "customer"),
      address: null,
      balance: int(p, "balance") ?? 0,
      currency: null,
      default_source: null,
      delinquent: false,
      description: str(p.description) ?? null,
      email: str(p.email) ?? null,
      invoice_prefix: newId("x", 8).slice(2).toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null as string | null, footer: null, rendering_options: null },
      metadata: metadataFrom({}, p.metadata),
      name: str(p.name) ?? null,
      phone: str(p.phone) ?? null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: "none",
      test_clock: testClock,
    };
    if (testClock) customer.created = this.store.get(testClock)!.frozen_time as number;
    this.store.put(customer);
    const pm = str(p.payment_method);
    if (pm) this.attachPaymentMethod(pm, customer.id, false);
    const defaultPm = str(obj(p.invoice_settings).default_payment_method);
    if (defaultPm) customer.invoice_settings.default_payment_method = this.resolvePaymentMethod(defaultPm, customer.id).id;
    this.store.put(customer);
    this.emit("customer.created", customer);
    return customer;
  }

  updateCustomer(id: string, p: Params) {
    const before = this.load("customer", id, "customer");
    const after = structuredClone(before);
    for (const f of ["email", "name", "description", "phone"]) if (p[f] !== undefined) after[f] = str(p[f]) || null;
    if (p.metadata !== undefined) after.metadata = metadataFrom(after.metadata, p.metadata);
    if (p.balance !== undefined) after.balance = int(p, "balance");
    const settings = obj(p.invoice_settings);
    if (settings.default_payment_method !== undefined) {
      const pm = str(settings.default_payment_method);
      after.invoice_settings.default_payment_method = pm ? this.resolvePaymentMethod(pm, id).id : null;
    }
    return this.saveUpdated("customer.updated", before, after);
  }

  deleteCustomer(id: string) {
    const customer = this.load("customer", id, "customer");
    for (const sub of this.store.all("subscription")) {
      if (sub.customer === id && sub.status !== "canceled") this.cancelSubscriptionNow(sub.id);
    }
    this.store.put({ ...customer, deleted: true });
    this.emit("customer.deleted", customer);
    return { id, object: "customer", deleted: true };
  }

  // ---------- payment methods ----------
  createPaymentMethodFromCard(tokenOrNumber: string, billingName?: string | null) {
    const card = cardByToken(tokenOrNumber) ?? cardByNumber(tokenOrNumber);
    if (!card) {
      throw new StripeError(402, "card_error", "Your card number is incorrect.", { code: "incorrect_number", param: "number" });
    }
    const pm = {
      ...this.base("pm", "payment_method"),
      allow_redisplay: "unspecified",
      billing_details: { address: null, email: null, name: billingName ?? null, phone: null },
      card: {
        brand: card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
        country: "US",
        display_brand: card.brand,
        exp_month: 12,
        exp_year: new Date().getUTCFullYear() + 3,
        fingerprint: card.number.slice(-8),
        funding: "credit",
        last4: card.number.slice(-4),
        networks: { available: [card.brand], preferred: null },
        wallet: null,
      },
      customer: null as string | null,
      metadata: {},
      type: "card",
    };
    this.store.put(pm, { token: card.token });
    return pm;
  }

  /** Accepts a real pm_ id or one of Stripe's magic test ids (which creates a new payment method). */
  resolvePaymentMethod(id: string, customerId?: string | null, param = "payment_method"): Obj {
    if (cardByToken(id)) {
      const pm = this.createPaymentMethodFromCard(id);
      if (customerId) return this.attachPaymentMethod(pm.id, customerId, false);
      return pm;
    }
    const pm = this.load("payment_method", id, "payment_method", param);
    if (customerId && pm.customer && pm.customer !== customerId) {
      throw invalid(param, `The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again.`, "payment_method_unexpected_state");
    }
    return pm;
  }

  declineFor(pmId: string): Decline | undefined {
    const token = this.store.internal(pmId).token as string | undefined;
    return token ? cardByToken(token)?.decline : undefined;
  }

  attachPaymentMethod(id: string, customerId: string, emitEvent = true) {
    this.load("customer", customerId, "customer", "customer");
    const pm = cardByToken(id) ? this.createPaymentMethodFromCard(id) : this.load("payment_method", id, "payment_method");
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
    if (emitEvent) this.emit("payment_method.attached", pm);
    return pm;
  }

  detachPaymentMethod(id: string) {
    const pm = this.load("payment_method", id, "payment_method");
    if (!pm.customer) throw invalid("payment_method", `The payment method you provided is not attached to a customer so detachment is impossible.`);
    pm.customer = null;
    this.store.put(pm);
    this.emit("payment_method.detached", pm);
    return pm;
  }

  // ---------- payment intents and charges ----------
  createPaymentIntent(p: Params, extra: Obj = {}) {
    const amount = int(p, "amount", { required: true })!;
    const currency = requireStr(p, "currency").toLowerCase();
    if (amount < 50) throw invalid("amount", "Amount must be at least $0.50 usd", "amount_too_small");
    const customer = str(p.customer) ?? null;
    if (customer) this.load("customer", customer, "customer", "customer");
    const pmParam = str(p.payment_method);
    const pm = pmParam ? this.resolvePaymentMethod(pmParam, null) : null;
    const transfer = obj(p.transfer_data);
    const pi = {
      ...this.base("pi", "payment_intent", this.now(customer)),
      amount,
      amount_capturable: 0,
      amount_received: 0,
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
      description: str(p.description) ?? null,
      last_payment_error: null as Obj | null,
      latest_charge: null as string | null,
      metadata: metadataFrom({}, p.metadata),
      next_action: null,
      on_behalf_of: str(p.on_behalf_of) ?? null,
      payment_method: pm?.id ?? null,
      payment_method_types: arr(p.payment_method_types).length ? arr(p.payment_method_types).map(String) : ["card"],
      receipt_email: str(p.receipt_email) ?? null,
      setup_future_usage: str(p.setup_future_usage) ?? null,
      statement_descriptor: str(p.statement_descriptor) ?? null,
      status: pm ? "requires_confirmation" : "requires_payment_method",
      transfer_data: transfer.destination ? { destination: String(transfer.destination), ...(transfer.amount ? { amount: Number(transfer.amount) } : {}) } : null,
      transfer_group: str(p.transfer_group) ?? null,
      ...extra,
    };
    pi.client_secret = `${pi.id}_secret_${newId("s", 16).slice(2)}`;
    this.store.put(pi);
    this.emit("payment_intent.created", pi);
    if (bool(p.confirm)) return this.confirmPaymentIntent(pi.id, {});
    return pi;
  }

  updatePaymentIntent(id: string, p: Params) {
    const before = this.load("payment_intent", id, "payment_intent");
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
      after.payment_method = this.resolvePaymentMethod(requireStr(p, "payment_method"), null).id;
      after.status = "requires_confirmation";
    }
    this.store.put(after);
    return after;
  }

  confirmPaymentIntent(id: string, p: Params) {
    const pi = this.load("payment_intent", id, "payment_intent");
    if (["succeeded", "canceled", "processing"].includes(pi.status)) {
      throw new StripeError(400, "invalid_request_error", `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_action, requires_payment_method.`, { code: "payment_intent_unexpected_state", payment_intent: pi });
    }
    const pmParam = str(p.payment_method);
    if (pmParam) pi.payment_method = this.resolvePaymentMethod(pmParam, null).id;
    if (!pi.payment_method) {
      throw new StripeError(400, "invalid_request_error", "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with " + pi.customer + ", specify a payment method attached to this customer along with the customer ID.", { code: "payment_intent_unexpected_state", param: "payment_method" });
    }
    const decline = this.declineFor(pi.payment_method);
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
      this.emit("charge.failed", charge);
      this.emit("payment_intent.payment_failed", pi);
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
    this.emit("charge.succeeded", charge);
    this.emit("payment_intent.succeeded", pi);
    return pi;
  }

  cancelPaymentIntent(id: string, p: Params) {
    const pi = this.load("payment_intent", id, "payment_intent");
    if (pi.status === "succeeded" || pi.status === "canceled") {
      throw new StripeError(400, "invalid_request_error", `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`, { code: "payment_intent_unexpected_state" });
    }
    pi.status = "canceled";
    pi.canceled_at = this.now(pi.customer);
    pi.cancellation_reason = str(p.cancellation_reason) ?? null;
    this.store.put(pi);
    this.emit("payment_intent.canceled", pi);
    return pi;
  }

  private createCharge(pi: Obj, decline?: Decline) {
    const pm = this.store.get(pi.payment_method)!;
    const ok = !decline;
    const charge = {
      ...this.base("ch", "charge", this.now(pi.customer)),
      amount: pi.amount,
      amount_captured: ok ? pi.amount : 0,
      amount_refunded: 0,
      application_fee_amount: pi.application_fee_amount,
      balance_transaction: ok ? newId("txn") : null,
      billing_details: pm.billing_details,
      captured: ok,
      currency: pi.currency,
      customer: pi.customer,
      description: pi.description,
      disputed: false,
      failure_code: decline?.code ?? null,
      failure_message: decline?.message ?? null,
      metadata: pi.metadata,
      on_behalf_of: pi.on_behalf_of,
      outcome: ok
        ? { network_status: "approved_by_network", reason: null, risk_level: "normal", seller_message: "Payment complete.", type: "authorized" }
        : { network_status: "declined_by_network", reason: decline!.decline_code ?? decline!.code, risk_level: "normal", seller_message: "The bank did not return any further details with this decline.", type: "issuer_declined" },
      paid: ok,
      payment_intent: pi.id,
      payment_method: pm.id,
      payment_method_details: { card: { brand: pm.card.brand, last4: pm.card.last4, exp_month: pm.card.exp_month, exp_year: pm.card.exp_year, funding: pm.card.funding, country: "US" }, type: "card" },
      receipt_email: pi.receipt_email,
      receipt_url: `${this.options.publicBase}/receipts/${newId("rcpt", 16)}`,
      refunded: false,
      status: ok ? "succeeded" : "failed",
      transfer_data: pi.transfer_data,
      transfer_group: pi.transfer_group,
    };
    this.store.put(charge);
    return charge;
  }

  // ---------- refunds ----------
  createRefund(p: Params) {
    let charge: Obj;
    const piId = str(p.payment_intent);
    const chargeId = str(p.charge);
    if (piId) {
      const pi = this.load("payment_intent", piId, "payment_intent", "payment_intent");
      if (pi.status !== "succeeded" || !pi.latest_charge) {
        throw new StripeError(400, "invalid_request_error", `This PaymentIntent (${piId}) does not have a successful charge to refund.`, { code: "charge_not_refundable", param: "payment_intent" });
      }
      charge = this.load("charge", pi.latest_charge, "charge");
    } else if (chargeId) {
      charge = this.load("charge", chargeId, "charge", "charge");
    } else {
      throw new StripeError(400, "invalid_request_error", "One of the following params should be provided for this request: payment_intent or charge.", { code: "parameter_missing", param: "charge" });
    }
    if (charge.status !== "succeeded") {
      throw new StripeError(400, "invalid_request_error", `Charge ${charge.id} has not succeeded and cannot be refunded.`, { code: "charge_not_refundable" });
    }
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0) {
      throw new StripeError(400, "invalid_request_error", `Charge ${charge.id} has already been refunded.`, { code: "charge_already_refunded" });
    }
    const amount = int(p, "amount", { min: 1 }) ?? remaining;
    if (amount > remaining) {
      throw new StripeError(400, "invalid_request_error", `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, { code: "amount_too_large", param: "amount" });
    }
    const refund = {
      ...this.base("re", "refund", this.now(charge.customer)),
      amount,
      balance_transaction: newId("txn"),
      charge: charge.id,
      currency: charge.currency,
      destination_details: { card: { type: "refund", reference_status: "pending" }, type: "card" },
      metadata: metadataFrom({}, p.metadata),
      payment_intent: charge.payment_intent,
      reason: str(p.reason) ?? null,
      receipt_number: null,
      status: "succeeded",
    };
    this.store.put(refund);
    const before = structuredClone(charge);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    this.store.put(charge);
    this.emit("refund.created", refund);
    this.emit("charge.refunded", charge, this.diff(before, charge));
    return refund;
  }

  // ---------- products and prices ----------
  createProduct(p: Params) {
    const product = {
      ...this.base("prod", "product"),
      active: p.active === undefined ? true : bool(p.active),
      default_price: null as string | null,
      description: str(p.description) ?? null,
      images: [],
      marketing_features: [],
      metadata: metadataFrom({}, p.metadata),
      name: requireStr(p, "name"),
      package_dimensions: null,
      shippable: null,
      statement_descriptor: null,
      tax_code: null,
      type: "service",
      unit_label: null,
      updated: this.realNow(),
      url: null,
    };
    if (str(p.id)) product.id = str(p.id)!;
    if (this.store.get(product.id)) throw new StripeError(400, "invalid_request_error", `Product already exists.`, { code: "resource_already_exists", param: "id" });
    this.store.put(product);
    this.emit("product.created", product);
    const dpd = obj(p.default_price_data);
    if (Object.keys(dpd).length) {
      const price = this.createPrice({ ...dpd, product: product.id });
      product.default_price = price.id;
      this.store.put(product);
    }
    return product;
  }

  updateProduct(id: string, p: Params) {
    const before = this.load("product", id, "product");
    const after = structuredClone(before);
    for (const f of ["name", "description"]) if (p[f] !== undefined) after[f] = str(p[f]) || null;
    if (p.active !== undefined) after.active = bool(p.active);
    if (p.metadata !== undefined) after.metadata = metadataFrom(after.metadata, p.metadata);
    if (p.default_price !== undefined) after.default_price = str(p.default_price) || null;
    after.updated = this.realNow();
    return this.saveUpdated("product.updated", before, after);
  }

  createPrice(p: Params) {
    let productId = str(p.product);
    if (productId) this.load("product", productId, "product", "product");
    else if (p.product_data) productId = this.createProduct(obj(p.product_data)).id;
    else throw missing("product");
    const unitAmount = int(p, "unit_amount", { min: 0 });
    if (unitAmount === undefined) throw missing("unit_amount");
    const recurring = obj(p.recurring);
    const interval = str(recurring.interval);
    if (p.recurring !== undefined && !interval) throw missing("recurring[interval]");
    if (interval && !["day", "week", "month", "year"].includes(interval)) throw invalid("recurring[interval]", `Invalid recurring[interval]: must be one of day, week, month, or year`);
    const lookupKey = str(p.lookup_key) ?? null;
    if (lookupKey) {
      const existing = this.store.all("price").find((x) => x.lookup_key === lookupKey);
      if (existing && !bool(p.transfer_lookup_key)) {
        throw new StripeError(400, "invalid_request_error", `A price (\`${existing.id}\`) already uses that lookup key.`, { code: "lookup_key_exists", param: "lookup_key" });
      }
      if (existing) this.store.put({ ...existing, lookup_key: null });
    }
    const price = {
      ...this.base("price", "price"),
      active: p.active === undefined ? true : bool(p.active),
      billing_scheme: "per_unit",
      currency: requireStr(p, "currency").toLowerCase(),
      custom_unit_amount: null,
      lookup_key: lookupKey,
      metadata: metadataFrom({}, p.metadata),
      nickname: str(p.nickname) ?? null,
      product: productId,
      recurring: interval
        ? { interval, interval_count: Number(str(recurring.interval_count) ?? 1), meter: null, trial_period_days: null, usage_type: "licensed" }
        : null,
      tax_behavior: "unspecified",
      tiers_mode: null,
      transform_quantity: null,
      type: interval ? "recurring" : "one_time",
      unit_amount: unitAmount,
      unit_amount_decimal: String(unitAmount),
    };
    this.store.put(price);
    this.emit("price.created", price);
    return price;
  }

  updatePrice(id: string, p: Params) {
    const before = this.load("price", id, "price");
    const after = structuredClone(before);
    if (p.active !== undefined) after.active = bool(p.active);
    if (p.nickname !== undefined) after.nickname = str(p.nickname) || null;
    if (p.lookup_key !== undefined) after.lookup_key = str(p.lookup_key) || null;
    if (p.metadata !== undefined) after.metadata = metadataFrom(after.metadata, p.metadata);
    return this.saveUpdated("price.updated", before, after);
  }

  listPrices(p: Params) {
    const keys = arr(p.lookup_keys).map(String);
    const recurring = obj(p.recurring);
    return this.list(
      "/v1/prices",
      this.store.all("price").filter(
        (x) =>
          (p.product === undefined || x.product === p.product) &&
          (p.active === undefined || x.active === bool(p.active)) &&
          (p.type === undefined || x.type === p.type) &&
          (p.currency === undefined || x.currency === p.currency) &&
          (!keys.length || keys.includes(x.lookup_key)) &&
          (!recurring.interval || x.recurring?.interval === recurring.interval),
      ),
      p,
    );
  }

  // ---------- subscriptions and invoices ----------
  private defaultPaymentMethod(sub: Obj): string | null {
    if (sub.default_payment_method) return sub.default_payment_method;
    const customer = this.store.get(sub.customer);
    return customer?.invoice_settings?.default_payment_method ?? null;
  }

  private productName(price: Obj) {
    return this.store.get(price.product)?.name ?? price.product;
  }

  createSubscription(p: Params) {
    const customerId = requireStr(p, "customer");
    const customer = this.load("customer", customerId, "customer", "customer");
    const items = arr(p.items).map(obj);
    if (!items.length) throw missing("items");
    const now = this.now(customerId);
    const prices = items.map((item, i) => {
      const priceId = str(item.price);
      if (!priceId) throw missing(`items[${i}][price]`);
      const price = this.load("price", priceId, "price", `items[${i}][price]`);
      if (!price.recurring) throw invalid(`items[${i}][price]`, `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`);
      return { price, quantity: Number(str(item.quantity) ?? 1) };
    });
    const currency = prices[0]!.price.currency;
    if (prices.some((x) => x.price.currency !== currency)) throw invalid("items", "All prices on a subscription must have the same currency.");
    const pmParam = str(p.default_payment_method);
    const defaultPm = pmParam ? this.resolvePaymentMethod(pmParam, customerId, "default_payment_method").id : null;
    const id = newId("sub");
    const { interval, interval_count } = prices[0]!.price.recurring;
    const end = addInterval(now, interval, interval_count);
    const sub: Obj = {
      id,
      object: "subscription",
      created: now,
      livemode: false,
      application: null,
      application_fee_percent: null,
      billing_cycle_anchor: now,
      billing_mode: { type: "flexible" },
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      cancellation_details: { comment: null, feedback: null, reason: null },
      collection_method: "charge_automatically",
      currency,
      customer: customer.id,
      default_payment_method: defaultPm,
      description: str(p.description) ?? null,
      discounts: [],
      ended_at: null,
      items: {
        object: "list",
        data: prices.map(({ price, quantity }) => ({
          id: newId("si"),
          object: "subscription_item",
          created: now,
          current_period_end: end,
          current_period_start: now,
          discounts: [],
          metadata: {},
          price,
          quantity,
          subscription: id,
          tax_rates: [],
        })),
        has_more: false,
        total_count: prices.length,
        url: `/v1/subscription_items?subscription=${id}`,
      },
      latest_invoice: null,
      metadata: metadataFrom({}, p.metadata),
      pause_collection: null,
      payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
      pending_update: null,
      start_date: now,
      status: "incomplete",
      test_clock: customer.test_clock ?? null,
      transfer_data: null,
      trial_end: null,
      trial_start: null,
    };
    if (p.cancel_at_period_end !== undefined) sub.cancel_at_period_end = bool(p.cancel_at_period_end);
    if (sub.cancel_at_period_end) sub.cancel_at = end;
    this.store.put(sub, { pendingItems: [], failedAttempts: 0 });
    const behavior = str(p.payment_behavior) ?? "allow_incomplete";
    const lines = sub.items.data.map((item: Obj) => this.itemLine(sub, item, now, end));
    const invoice = this.createInvoice(sub, "subscription_create", lines, now, now);
    sub.latest_invoice = invoice.id;
    this.store.put(sub);
    let paid = invoice.status === "paid";
    let failure: StripeError | null = null;
    if (!paid && behavior !== "default_incomplete") {
      try {
        paid = this.payInvoice(invoice.id, this.defaultPaymentMethod(sub)).status === "paid";
      } catch (error) {
        if (!(error instanceof StripeError)) throw error;
        failure = error;
      }
    }
    if (failure && behavior === "error_if_incomplete") {
      sub.status = "incomplete_expired";
      this.store.put(sub);
      throw failure;
    }
    const fresh = this.store.get(id)!;
    fresh.status = paid ? "active" : "incomplete";
    this.store.put(fresh);
    this.emit("customer.subscription.created", fresh);
    return fresh;
  }

  private itemLine(sub: Obj, item: Obj, start: number, end: number): Obj {
    return {
      amount: item.price.unit_amount * item.quantity,
      description: `${item.quantity} × ${this.productName(item.price)} (at ${(item.price.unit_amount / 100).toFixed(2)} / ${item.price.recurring.interval})`,
      period: { start, end },
      price: item.price,
      quantity: item.quantity,
      proration: false,
      subscription_item: item.id,
    };
  }

  /** Creates, finalizes and (when nothing is due) settles an invoice. Lines: amount, description, period, price, quantity, proration, subscription_item. */
  createInvoice(sub: Obj, reason: string, lines: Obj[], periodStart: number, periodEnd: number) {
    const now = this.now(sub.customer);
    const customer = this.store.get(sub.customer)!;
    const id = newId("in");
    const total = lines.reduce((s, l) => s + l.amount, 0);
    const startingBalance: number = customer.balance ?? 0;
    const applied = total + startingBalance;
    const amountDue = Math.max(0, applied);
    const endingBalance = Math.min(0, applied);
    const number = `${customer.invoice_prefix}-${String(this.store.all("invoice").filter((i) => i.customer === customer.id).length + 1).padStart(4, "0")}`;
    const invoice = {
      id,
      object: "invoice",
      created: now,
      livemode: false,
      account_country: "US",
      amount_due: amountDue,
      amount_paid: 0,
      amount_overpaid: 0,
      amount_remaining: amountDue,
      amount_shipping: 0,
      attempt_count: 0,
      attempted: false,
      auto_advance: true,
      billing_reason: reason,
      collection_method: "charge_automatically",
      currency: sub.currency,
      customer: customer.id,
      customer_email: customer.email,
      customer_name: customer.name,
      default_payment_method: null,
      description: null,
      due_date: null,
      ending_balance: endingBalance,
      hosted_invoice_url: `${this.options.publicBase}/i/${this.options.namespace}/${id}`,
      invoice_pdf: null,
      lines: {
        object: "list",
        data: lines.map((l) => ({
          id: newId("il"),
          object: "line_item",
          amount: l.amount,
          currency: sub.currency,
          description: l.description,
          discount_amounts: [],
          discountable: !l.proration,
          discounts: [],
          invoice: id,
          livemode: false,
          metadata: {},
          parent: {
            type: "subscription_item_details",
            subscription_item_details: {
              invoice_item: l.invoice_item ?? null,
              proration: l.proration,
              proration_details: { credited_items: null },
              subscription: sub.id,
              subscription_item: l.subscription_item,
            },
          },
          period: l.period,
          pricing: { type: "price_details", price_details: { price: l.price.id, product: l.price.product }, unit_amount_decimal: String(l.price.unit_amount) },
          quantity: l.quantity,
          subscription: sub.id,
          taxes: [],
        })),
        has_more: false,
        total_count: lines.length,
        url: `/v1/invoices/${id}/lines`,
      },
      metadata: {},
      next_payment_attempt: amountDue > 0 ? now : null,
      number,
      parent: { type: "subscription_details", quote_details: null, subscription_details: { metadata: sub.metadata, subscription: sub.id } },
      payments: { object: "list", data: [] as Obj[], has_more: false, url: `/v1/invoice_payments?invoice=${id}` },
      period_end: periodEnd,
      period_start: periodStart,
      starting_balance: startingBalance,
      status: "open",
      status_transitions: { finalized_at: now, marked_uncollectible_at: null, paid_at: null as number | null, voided_at: null },
      subtotal: total,
      total,
      total_discount_amounts: [],
      total_taxes: [],
      webhooks_delivered_at: null,
    };
    if (startingBalance !== endingBalance) this.store.put({ ...customer, balance: endingBalance });
    this.store.put(invoice);
    this.emit("invoice.created", invoice);
    this.emit("invoice.finalized", invoice);
    if (amountDue === 0) {
      invoice.status = "paid";
      invoice.status_transitions.paid_at = now;
      invoice.next_payment_attempt = null;
      this.store.put(invoice);
      this.emit("invoice.paid", invoice);
      this.emit("invoice.payment_succeeded", invoice);
    }
    return invoice;
  }

  /** Charges an open invoice; on success the subscription becomes active, on failure past_due. */
  payInvoice(id: string, pmId: string | null, throwOnDecline = true): Obj {
    const invoice = this.load("invoice", id, "invoice");
    if (invoice.status === "paid") {
      throw new StripeError(400, "invalid_request_error", "Invoice is already paid", { code: "invoice_unexpected_state" });
    }
    if (invoice.status !== "open") {
      throw new StripeError(400, "invalid_request_error", `You can only pay an invoice that is open; this invoice is ${invoice.status}.`, { code: "invoice_unexpected_state" });
    }
    const subId = invoice.parent?.subscription_details?.subscription as string | undefined;
    const now = this.now(invoice.customer);
    if (!pmId) {
      throw new StripeError(400, "invalid_request_error", "This customer has no attached payment source or default payment method. Please consider adding a default payment method.", { code: "invoice_no_payment_method_types" });
    }
    const existing = invoice.payments.data[0]?.payment?.payment_intent as string | undefined;
    let pi = existing ? this.store.get(existing)! : null;
    if (!pi) {
      pi = this.createPaymentIntent({
        amount: String(invoice.amount_due),
        currency: invoice.currency,
        customer: invoice.customer,
        description: invoice.billing_reason === "subscription_create" ? "Subscription creation" : "Subscription update",
      });
      invoice.payments.data.push({
        id: newId("inpay"),
        object: "invoice_payment",
        amount_paid: null,
        amount_requested: invoice.amount_due,
        created: now,
        currency: invoice.currency,
        invoice: invoice.id,
        is_default: true,
        livemode: false,
        payment: { type: "payment_intent", payment_intent: pi.id },
        status: "open",
        status_transitions: { canceled_at: null, paid_at: null },
      });
    }
    invoice.attempt_count += 1;
    invoice.attempted = true;
    let decline: StripeError | null = null;
    try {
      this.confirmPaymentIntent(pi.id, { payment_method: pmId });
    } catch (error) {
      if (!(error instanceof StripeError)) throw error;
      decline = error;
    }
    const sub = subId ? this.store.get(subId) : null;
    if (decline) {
      const internal = sub ? this.store.internal(sub.id) : {};
      invoice.next_payment_attempt = invoice.attempt_count < 4 ? now + [3, 5, 7][invoice.attempt_count - 1]! * DAY : null;
      this.store.put(invoice);
      this.emit("invoice.payment_failed", invoice);
      if (sub && sub.status === "active") {
        const after = { ...structuredClone(sub), status: "past_due" };
        this.saveUpdated("customer.subscription.updated", sub, after);
        this.store.setInternal(sub.id, { ...internal });
      }
      if (throwOnDecline) throw decline;
      return invoice;
    }
    invoice.status = "paid";
    invoice.amount_paid = invoice.amount_due;
    invoice.amount_remaining = 0;
    invoice.next_payment_attempt = null;
    invoice.status_transitions.paid_at = now;
    invoice.payments.data[0].status = "paid";
    invoice.payments.data[0].amount_paid = invoice.amount_due;
    invoice.payments.data[0].status_transitions.paid_at = now;
    this.store.put(invoice);
    this.emit("invoice.paid", invoice);
    this.emit("invoice.payment_succeeded", invoice);
    if (sub && (sub.status === "past_due" || sub.status === "unpaid" || (sub.status === "incomplete" && invoice.id === sub.latest_invoice))) {
      const after = { ...structuredClone(sub), status: "active" };
      this.saveUpdated("customer.subscription.updated", sub, after);
    }
    return invoice;
  }

  updateSubscription(id: string, p: Params) {
    const before = this.load("subscription", id, "subscription");
    if (before.status === "canceled" || before.status === "incomplete_expired") {
      throw new StripeError(400, "invalid_request_error", `A canceled subscription can only update its cancellation_details and metadata.`, { code: "resource_missing" });
    }
    const sub = structuredClone(before);
    const internal = this.store.internal(id);
    const now = this.now(sub.customer);
    if (p.metadata !== undefined) sub.metadata = metadataFrom(sub.metadata, p.metadata);
    if (p.description !== undefined) sub.description = str(p.description) || null;
    if (p.default_payment_method !== undefined) {
      const pm = str(p.default_payment_method);
      sub.default_payment_method = pm ? this.resolvePaymentMethod(pm, sub.customer, "default_payment_method").id : null;
    }
    if (p.cancel_at_period_end !== undefined) {
      sub.cancel_at_period_end = bool(p.cancel_at_period_end);
      sub.cancel_at = sub.cancel_at_period_end ? sub.items.data[0].current_period_end : null;
      sub.canceled_at = sub.cancel_at_period_end ? now : null;
      sub.cancellation_details = { comment: null, feedback: null, reason: sub.cancel_at_period_end ? "cancellation_requested" : null };
    }
    const behavior = str(p.proration_behavior) ?? "create_prorations";
    if (!["create_prorations", "always_invoice", "none"].includes(behavior)) {
      throw invalid("proration_behavior", `Invalid proration_behavior: must be one of create_prorations, always_invoice, or none`);
    }
    const prorationDate = int(p, "proration_date") ?? now;
    const itemParams = arr(p.items).map(obj);
    const prorationLines: Obj[] = [];
    let resetAnchor = false;
    for (const [i, ip] of itemParams.entries()) {
      const itemId = str(ip.id);
      const priceId = str(ip.price);
      const existing = itemId ? sub.items.data.find((x: Obj) => x.id === itemId) : undefined;
      if (itemId && !existing) throw invalid(`items[${i}][id]`, `Subscription item ${itemId} is not part of subscription ${id}.`, "resource_missing");
      if (bool(ip.deleted)) {
        sub.items.data = sub.items.data.filter((x: Obj) => x.id !== itemId);
        continue;
      }
      const price = priceId ? this.load("price", priceId, "price", `items[${i}][price]`) : existing?.price;
      if (!price) throw missing(`items[${i}][price]`);
      const quantity = Number(str(ip.quantity) ?? existing?.quantity ?? 1);
      const periodStart = existing?.current_period_start ?? sub.items.data[0]?.current_period_start ?? now;
      const periodEnd = existing?.current_period_end ?? sub.items.data[0]?.current_period_end ?? addInterval(now, price.recurring.interval);
      const oldAmount = existing ? existing.price.unit_amount * existing.quantity : 0;
      const newAmount = price.unit_amount * quantity;
      const intervalChanged = existing && (existing.price.recurring.interval !== price.recurring.interval || existing.price.recurring.interval_count !== price.recurring.interval_count);
      const fraction = Math.max(0, Math.min(1, (periodEnd - prorationDate) / (periodEnd - periodStart)));
      if (behavior !== "none" && existing && oldAmount) {
        prorationLines.push({
          amount: -Math.round(oldAmount * fraction),
          description: `Unused time on ${existing.quantity} × ${this.productName(existing.price)} after ${fmtDate(prorationDate)}`,
          period: { start: prorationDate, end: periodEnd },
          price: existing.price,
          quantity: existing.quantity,
          proration: true,
          subscription_item: existing.id,
        });
      }
      if (intervalChanged) {
        // Stripe resets the billing cycle when the interval changes and invoices the new period now.
        resetAnchor = true;
      } else if (behavior !== "none" && newAmount) {
        prorationLines.push({
          amount: Math.round(newAmount * fraction),
          description: `Remaining time on ${quantity} × ${this.productName(price)} after ${fmtDate(prorationDate)}`,
          period: { start: prorationDate, end: periodEnd },
          price,
          quantity,
          proration: true,
          subscription_item: existing?.id ?? "",
        });
      }
      if (existing) {
        existing.price = price;
        existing.quantity = quantity;
      } else {
        sub.items.data.push({
          id: newId("si"),
          object: "subscription_item",
          created: now,
          current_period_end: periodEnd,
          current_period_start: periodStart,
          discounts: [],
          metadata: {},
          price,
          quantity,
          subscription: id,
          tax_rates: [],
        });
      }
    }
    sub.items.total_count = sub.items.data.length;
    for (const line of prorationLines) if (!line.subscription_item) line.subscription_item = sub.items.data.at(-1).id;
    let invoiceLines: Obj[] | null = null;
    let reason = "subscription_update";
    if (resetAnchor) {
      for (const item of sub.items.data) {
        item.current_period_start = now;
        item.current_period_end = addInterval(now, item.price.recurring.interval, item.price.recurring.interval_count);
      }
      sub.billing_cycle_anchor = now;
      if (sub.cancel_at_period_end) sub.cancel_at = sub.items.data[0].current_period_end;
      invoiceLines = [
        ...(internal.pendingItems ?? []),
        ...prorationLines,
        ...sub.items.data.map((item: Obj) => this.itemLine(sub, item, item.current_period_start, item.current_period_end)),
      ];
      internal.pendingItems = [];
    } else if (prorationLines.length && behavior === "always_invoice") {
      invoiceLines = [...(internal.pendingItems ?? []), ...prorationLines];
      internal.pendingItems = [];
    } else if (prorationLines.length) {
      for (const line of prorationLines) {
        const item = {
          ...this.base("ii", "invoiceitem", now),
          amount: line.amount,
          currency: sub.currency,
          customer: sub.customer,
          date: now,
          description: line.description,
          invoice: null,
          metadata: {},
          parent: { type: "subscription_details", subscription_details: { subscription: id, subscription_item: line.subscription_item } },
          period: line.period,
          pricing: { type: "price_details", price_details: { price: line.price.id, product: line.price.product }, unit_amount_decimal: String(line.price.unit_amount) },
          proration: true,
          quantity: line.quantity,
        };
        this.store.put(item);
        this.emit("invoiceitem.created", item);
        (internal.pendingItems ??= []).push({ ...line, invoice_item: item.id });
      }
    }
    this.store.put(sub, internal);
    if (invoiceLines) {
      const invoice = this.createInvoice(sub, reason, invoiceLines, now, now);
      this.markInvoiceItemsUsed(invoiceLines, invoice.id);
      sub.latest_invoice = invoice.id;
      this.store.put(sub);
      if (invoice.status === "open") {
        try {
          this.payInvoice(invoice.id, this.defaultPaymentMethod(sub));
        } catch (error) {
          if (!(error instanceof StripeError)) throw error;
          if (str(p.payment_behavior) === "error_if_incomplete") throw error;
        }
      }
    }
    reason = "";
    const fresh = this.store.get(id)!;
    // The status may have been changed (and announced) by the payment above; announce the rest.
    const baseline = { ...before, status: fresh.status };
    return this.saveUpdated("customer.subscription.updated", baseline, fresh);
  }

  private markInvoiceItemsUsed(lines: Obj[], invoiceId: string) {
    for (const line of lines) {
      if (!line.invoice_item) continue;
      const item = this.store.get(line.invoice_item);
      if (item) this.store.put({ ...item, invoice: invoiceId });
    }
  }

  cancelSubscriptionNow(id: string, p: Params = {}) {
    const sub = this.load("subscription", id, "subscription");
    if (sub.status === "canceled") {
      throw new StripeError(400, "invalid_request_error", `No such subscription: '${id}'`, { code: "resource_missing", param: "id" });
    }
    const now = this.now(sub.customer);
    sub.status = "canceled";
    sub.canceled_at ??= now;
    sub.ended_at = now;
    sub.cancel_at_period_end = false;
    const details = obj(p.cancellation_details);
    sub.cancellation_details = { comment: str(details.comment) ?? null, feedback: str(details.feedback) ?? null, reason: sub.cancellation_details?.reason ?? "cancellation_requested" };
    this.store.put(sub);
    this.emit("customer.subscription.deleted", sub);
    return sub;
  }

  // ---------- test clocks ----------
  createTestClock(p: Params) {
    const frozen = int(p, "frozen_time", { required: true })!;
    const clock = {
      ...this.base("clock", "test_helpers.test_clock"),
      deletes_after: this.realNow() + 30 * DAY,
      frozen_time: frozen,
      name: str(p.name) ?? null,
      status: "ready",
      status_details: {},
    };
    this.store.put(clock);
    this.emit("test_helpers.test_clock.created", clock);
    return clock;
  }

  advanceTestClock(id: string, p: Params) {
    const clock = this.load("test_helpers.test_clock", id, "test_helpers.test_clock");
    const target = int(p, "frozen_time", { required: true })!;
    if (target <= clock.frozen_time) {
      throw invalid("frozen_time", `The test clock's frozen_time (${clock.frozen_time}) cannot be moved backwards or to the same time.`, "test_clock_advance_invalid");
    }
    const customers = new Set(this.store.all("customer").filter((c) => c.test_clock === id && !c.deleted).map((c) => c.id));
    // Work through due renewals, retries and period ends in time order.
    for (let guard = 0; guard < 1000; guard++) {
      const subs = this.store.all("subscription").filter((s) => customers.has(s.customer) && !["canceled", "incomplete_expired"].includes(s.status));
      let next: { at: number; run: () => void } | null = null;
      for (const sub of subs) {
        const end = Math.min(...sub.items.data.map((i: Obj) => i.current_period_end));
        if (end <= target && (!next || end < next.at)) next = { at: end, run: () => this.reachPeriodEnd(sub.id, end) };
        for (const inv of this.store.all("invoice")) {
          if (inv.parent?.subscription_details?.subscription !== sub.id || inv.status !== "open" || inv.next_payment_attempt === null) continue;
          const at = inv.next_payment_attempt as number;
          if (at <= target && inv.attempt_count > 0 && (!next || at < next.at)) next = { at, run: () => this.retryInvoice(sub.id, inv.id) };
        }
      }
      if (!next) break;
      this.clockNow = next.at;
      try {
        next.run();
      } finally {
        this.clockNow = null;
      }
    }
    clock.frozen_time = target;
    clock.status = "ready";
    this.store.put(clock);
    this.emit("test_helpers.test_clock.ready", clock);
    return clock;
  }

  private reachPeriodEnd(subId: string, end: number) {
    const before = this.store.get(subId)!;
    if (before.cancel_at_period_end || (before.cancel_at && before.cancel_at <= end)) {
      const sub = structuredClone(before);
      sub.status = "canceled";
      sub.ended_at = end;
      sub.canceled_at ??= end;
      this.store.put(sub);
      this.emit("customer.subscription.deleted", sub);
      return;
    }
    const sub = structuredClone(before);
    const internal = this.store.internal(subId);
    for (const item of sub.items.data) {
      item.current_period_start = item.current_period_end;
      item.current_period_end = addInterval(item.current_period_start, item.price.recurring.interval, item.price.recurring.interval_count);
    }
    const lines = [
      ...(internal.pendingItems ?? []),
      ...sub.items.data.map((item: Obj) => this.itemLine(sub, item, item.current_period_start, item.current_period_end)),
    ];
    internal.pendingItems = [];
    this.store.put(sub, internal);
    const invoice = this.createInvoice(sub, "subscription_cycle", lines, before.items.data[0].current_period_start, end);
    this.markInvoiceItemsUsed(lines, invoice.id);
    sub.latest_invoice = invoice.id;
    this.store.put(sub);
    this.saveUpdated("customer.subscription.updated", before, sub);
    if (invoice.status === "open") this.payInvoice(invoice.id, this.defaultPaymentMethod(sub), false);
  }

  private retryInvoice(subId: string, invoiceId: string) {
    const sub = this.store.get(subId)!;
    const invoice = this.payInvoice(invoiceId, this.defaultPaymentMethod(sub), false);
    if (invoice.status !== "paid" && invoice.next_payment_attempt === null) {
      // All retries failed: Stripe's default dunning setting cancels the subscription.
      const latest = this.store.get(subId)!;
      latest.status = "canceled";
      latest.ended_at = this.now(latest.customer);
      latest.canceled_at = latest.ended_at;
      latest.cancellation_details = { comment: null, feedback: null, reason: "payment_failed" };
      this.store.put(latest);
      this.emit("customer.subscription.deleted", latest);
    }
  }

  // ---------- checkout ----------
  createCheckoutSession(p: Params) {
    const mode = str(p.mode) ?? "payment";
    if (!["payment", "subscription", "setup"].includes(mode)) throw invalid("mode", `Invalid mode: must be one of payment, setup, or subscription`);
    const successUrl = str(p.success_url) ?? null;
    const uiMode = str(p.ui_mode) ?? "hosted";
    if (!successUrl && uiMode === "hosted") throw missing("success_url");
    const customer = str(p.customer) ?? null;
    if (customer) this.load("customer", customer, "customer", "customer");
    const lineItems = arr(p.line_items).map(obj);
    if (!lineItems.length) throw missing("line_items");
    const resolved = lineItems.map((li, i) => {
      let price: Obj;
      if (str(li.price)) price = this.load("price", str(li.price)!, "price", `line_items[${i}][price]`);
      else if (li.price_data) {
        const pd = obj(li.price_data);
        price = this.createPrice({ ...pd, ...(pd.product_data ? {} : {}) });
      } else throw missing(`line_items[${i}][price]`);
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
        description: this.productName(price),
        price,
        quantity,
      };
    });
    const amountTotal = resolved.reduce((s, li) => s + li.amount_total, 0);
    const id = newId("cs_test", 58);
    const session = {
      id,
      object: "checkout.session",
      created: this.realNow(),
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
      expires_at: int(p, "expires_at") ?? this.realNow() + DAY,
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
      url: `${this.options.publicBase}/c/pay/${this.options.namespace}/${id}`,
    };
    this.store.put(session, {
      lineItems: resolved,
      paymentIntentData: obj(p.payment_intent_data),
      subscriptionData: obj(p.subscription_data),
    });
    return session;
  }

  checkoutLineItems(id: string, p: Params) {
    this.load("checkout session", id, "checkout.session");
    return this.list(`/v1/checkout/sessions/${id}/line_items`, this.store.internal(id).lineItems ?? [], p);
  }

  expireCheckoutSession(id: string) {
    const session = this.load("checkout session", id, "checkout.session");
    if (session.status !== "open") {
      throw new StripeError(400, "invalid_request_error", `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`, { code: "checkout_session_unexpected_state" });
    }
    session.status = "expired";
    session.url = null;
    this.store.put(session);
    this.emit("checkout.session.expired", session);
    return session;
  }

  /** The hosted page's Pay button. Returns the session, or throws the card's StripeError. */
  completeCheckout(id: string, form: { name: string; email: string; card: string }) {
    const session = this.load("checkout session", id, "checkout.session");
    if (session.status !== "open") throw new StripeError(400, "invalid_request_error", "This Checkout Session is no longer active.", { code: "checkout_session_unexpected_state" });
    const internal = this.store.internal(id);
    let customerId: string | null = session.customer;
    const email = session.customer_email ?? (form.email || null);
    const pm = this.createPaymentMethodFromCard(form.card.trim(), form.name || null);
    const decline = this.declineFor(pm.id);
    if (session.mode === "payment") {
      const pid = internal.paymentIntentData ?? {};
      if (!customerId && str(session.customer_creation) === "always") customerId = this.createCustomer({ email: email ?? "", name: form.name }).id;
      let piId = session.payment_intent as string | null;
      if (!piId) {
        const pi = this.createPaymentIntent({
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
      this.confirmPaymentIntent(piId!, { payment_method: pm.id });
    } else {
      if (decline) {
        throw new StripeError(402, "card_error", decline.message, { code: decline.code, decline_code: decline.decline_code });
      }
      if (!customerId) customerId = this.createCustomer({ email: email ?? "", name: form.name }).id;
      this.attachPaymentMethod(pm.id, customerId);
      const sd = internal.subscriptionData ?? {};
      const sub = this.createSubscription({
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
    this.emit("checkout.session.completed", session);
    return session;
  }

  // ---------- connect ----------
  createAccount(p: Params) {
    const type = str(p.type) ?? "express";
    const requested = Object.keys(obj(p.capabilities)).filter((k) => bool(obj(obj(p.capabilities)[k]).requested));
    const account = {
      id: newId("acct", 16),
      object: "account",
      created: this.realNow(),
      business_profile: { name: str(obj(p.business_profile).name) ?? null, url: str(obj(p.business_profile).url) ?? null },
      business_type: str(p.business_type) ?? null,
      capabilities: Object.fromEntries(requested.map((k) => [k, "inactive"])),
      charges_enabled: false,
      controller: { type: "application", is_controller: true },
      country: str(p.country) ?? "US",
      default_currency: (str(p.default_currency) ?? "usd").toLowerCase(),
      details_submitted: false,
      email: str(p.email) ?? null,
      metadata: metadataFrom({}, p.metadata),
      payouts_enabled: false,
      requirements: { currently_due: ["external_account", "tos_acceptance.date", "tos_acceptance.ip"], disabled_reason: "requirements.past_due", eventually_due: [], past_due: [] },
      settings: { payouts: { schedule: { interval: "daily", delay_days: 2 } } },
      type,
    };
    if (!["express", "custom", "standard"].includes(type)) throw invalid("type", "Invalid type: must be one of custom, express, or standard");
    this.store.put(account);
    this.emit("account.updated", account);
    return account;
  }

  updateAccount(id: string, p: Params) {
    const before = this.load("account", id, "account", "account");
    const after = structuredClone(before);
    if (p.email !== undefined) after.email = str(p.email) || null;
    if (p.metadata !== undefined) after.metadata = metadataFrom(after.metadata, p.metadata);
    return this.saveUpdated("account.updated", before, after);
  }

  createAccountLink(p: Params) {
    const accountId = requireStr(p, "account");
    this.load("account", accountId, "account", "account");
    const type = requireStr(p, "type");
    const linkId = newId("acctlink", 16);
    this.store.kvSet(`account_link:${linkId}`, {
      account: accountId,
      return_url: str(p.return_url) ?? null,
      refresh_url: str(p.refresh_url) ?? null,
      expires_at: this.realNow() + 300,
    });
    return { object: "account_link", created: this.realNow(), expires_at: this.realNow() + 300, url: `${this.options.publicBase}/c/setup/${this.options.namespace}/${linkId}`, type };
  }

  completeOnboarding(linkId: string) {
    const link = this.store.kvGet<Obj>(`account_link:${linkId}`);
    if (!link) throw notFound("account link", linkId);
    const before = this.load("account", link.account, "account");
    const after = structuredClone(before);
    after.details_submitted = true;
    after.charges_enabled = true;
    after.payouts_enabled = true;
    after.capabilities = Object.fromEntries(Object.keys({ transfers: 1, ...after.capabilities }).map((k) => [k, "active"]));
    after.requirements = { currently_due: [], disabled_reason: null, eventually_due: [], past_due: [] };
    after.external_accounts = { object: "list", data: [{ id: newId("ba"), object: "bank_account", bank_name: "STRIPE TEST BANK", last4: "6789", currency: after.default_currency, country: after.country, default_for_currency: true }], has_more: false, url: `/v1/accounts/${after.id}/external_accounts` };
    this.saveUpdated("account.updated", before, after);
    this.store.kvDelete(`account_link:${linkId}`);
    return { account: after, returnUrl: link.return_url as string | null };
  }

  createTransfer(p: Params) {
    const amount = int(p, "amount", { required: true, min: 1 })!;
    const currency = requireStr(p, "currency").toLowerCase();
    const destination = requireStr(p, "destination");
    const account = this.store.get(destination);
    if (!account || account.object !== "account") {
      throw new StripeError(400, "invalid_request_error", `No such destination: '${destination}'`, { code: "resource_missing", param: "destination" });
    }
    if (account.capabilities?.transfers !== "active") {
      throw new StripeError(400, "invalid_request_error", "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments", { code: "insufficient_capabilities_for_transfer", param: "destination" });
    }
    const sourceTransaction = str(p.source_transaction) ?? null;
    if (sourceTransaction) this.load("charge", sourceTransaction, "charge", "source_transaction");
    const transfer = {
      ...this.base("tr", "transfer"),
      amount,
      amount_reversed: 0,
      balance_transaction: newId("txn"),
      currency,
      description: str(p.description) ?? null,
      destination,
      destination_payment: newId("py"),
      metadata: metadataFrom({}, p.metadata),
      reversals: { object: "list", data: [] as Obj[], has_more: false, total_count: 0, url: "" },
      reversed: false,
      source_transaction: sourceTransaction,
      source_type: "card",
      transfer_group: str(p.transfer_group) ?? null,
    };
    transfer.reversals.url = `/v1/transfers/${transfer.id}/reversals`;
    this.store.put(transfer);
    this.emit("transfer.created", transfer);
    return transfer;
  }

  reverseTransfer(id: string, p: Params) {
    const transfer = this.load("transfer", id, "transfer");
    const remaining = transfer.amount - transfer.amount_reversed;
    const amount = int(p, "amount", { min: 1 }) ?? remaining;
    if (amount > remaining) throw invalid("amount", `Transfer reversal amount (${amount}) is greater than the unreversed amount (${remaining}).`, "amount_too_large");
    const reversal = { ...this.base("trr", "transfer_reversal"), amount, balance_transaction: newId("txn"), currency: transfer.currency, metadata: metadataFrom({}, p.metadata), transfer: id };
    const before = structuredClone(transfer);
    transfer.amount_reversed += amount;
    transfer.reversed = transfer.amount_reversed === transfer.amount;
    transfer.reversals.data.unshift(reversal);
    transfer.reversals.total_count += 1;
    this.store.put(transfer);
    this.emit("transfer.reversed", transfer, this.diff(before, transfer));
    return reversal;
  }

  // ---------- route table ----------
  private defineRoutes() {
    const r = this.route.bind(this);
    r("POST", "/v1/customers", (p) => this.createCustomer(p));
    r("GET", "/v1/customers", (p) => this.list("/v1/customers", this.filtered("customer", p, ["email", "test_clock"]), p));
    r("GET", "/v1/customers/:id", (_, [id]) => this.load("customer", id!, "customer"));
    r("POST", "/v1/customers/:id", (p, [id]) => this.updateCustomer(id!, p));
    r("DELETE", "/v1/customers/:id", (_, [id]) => this.deleteCustomer(id!));
    r("GET", "/v1/customers/:id/payment_methods", (p, [id]) => {
      this.load("customer", id!, "customer");
      return this.list(`/v1/customers/${id}/payment_methods`, this.store.all("payment_method").filter((x) => x.customer === id), p);
    });

    r("POST", "/v1/payment_methods", (p) => {
      const card = obj(p.card);
      const source = str(card.token) ?? str(card.number);
      if (!source) throw missing("card");
      return this.createPaymentMethodFromCard(source, str(obj(p.billing_details).name));
    });
    r("GET", "/v1/payment_methods", (p) => this.list("/v1/payment_methods", this.store.all("payment_method").filter((x) => !p.customer || x.customer === p.customer), p));
    r("GET", "/v1/payment_methods/:id", (_, [id]) => (cardByToken(id!) ? this.createPaymentMethodFromCard(id!) : this.load("payment_method", id!, "payment_method")));
    r("POST", "/v1/payment_methods/:id/attach", (p, [id]) => this.attachPaymentMethod(id!, requireStr(p, "customer")));
    r("POST", "/v1/payment_methods/:id/detach", (_, [id]) => this.detachPaymentMethod(id!));

    r("POST", "/v1/payment_intents", (p) => this.createPaymentIntent(p));
    r("GET", "/v1/payment_intents", (p) => this.list("/v1/payment_intents", this.filtered("payment_intent", p, ["customer"]), p));
    r("GET", "/v1/payment_intents/:id", (_, [id]) => this.load("payment_intent", id!, "payment_intent", "intent"));
    r("POST", "/v1/payment_intents/:id", (p, [id]) => this.updatePaymentIntent(id!, p));
    r("POST", "/v1/payment_intents/:id/confirm", (p, [id]) => this.confirmPaymentIntent(id!, p));
    r("POST", "/v1/payment_intents/:id/cancel", (p, [id]) => this.cancelPaymentIntent(id!, p));

    r("GET", "/v1/charges", (p) => this.list("/v1/charges", this.filtered("charge", p, ["customer", "payment_intent"]), p));
    r("GET", "/v1/charges/:id", (_, [id]) => this.load("charge", id!, "charge"));

    r("POST", "/v1/refunds", (p) => this.createRefund(p));
    r("GET", "/v1/refunds", (p) => this.list("/v1/refunds", this.filtered("refund", p, ["charge", "payment_intent"]), p));
    r("GET", "/v1/refunds/:id", (_, [id]) => this.load("refund", id!, "refund"));

    r("POST", "/v1/products", (p) => this.createProduct(p));
    r("GET", "/v1/products", (p) => this.list("/v1/products", this.store.all("product").filter((x) => p.active === undefined || x.active === bool(p.active)), p));
    r("GET", "/v1/products/:id", (_, [id]) => this.load("product", id!, "product"));
    r("POST", "/v1/products/:id", (p, [id]) => this.updateProduct(id!, p));
    r("POST", "/v1/prices", (p) => this.createPrice(p));
    r("GET", "/v1/prices", (p) => this.listPrices(p));
    r("GET", "/v1/prices/:id", (_, [id]) => this.load("price", id!, "price"));
    r("POST", "/v1/prices/:id", (p, [id]) => this.updatePrice(id!, p));

    r("POST", "/v1/subscriptions", (p) => this.createSubscription(p));
    r("GET", "/v1/subscriptions", (p) => {
      const status = str(p.status);
      const price = str(p.price);
      const items = this.store.all("subscription").filter(
        (s) =>
          (p.customer === undefined || s.customer === p.customer) &&
          (status === "all" || (status ? s.status === status : s.status !== "canceled" && s.status !== "incomplete_expired")) &&
          (!price || s.items.data.some((i: Obj) => i.price.id === price)) &&
          (p.test_clock === undefined || s.test_clock === p.test_clock),
      );
      return this.list("/v1/subscriptions", items, p);
    });
    r("GET", "/v1/subscriptions/:id", (_, [id]) => this.load("subscription", id!, "subscription"));
    r("POST", "/v1/subscriptions/:id", (p, [id]) => this.updateSubscription(id!, p));
    r("DELETE", "/v1/subscriptions/:id", (p, [id]) => this.cancelSubscriptionNow(id!, p));

    r("GET", "/v1/invoices", (p) => {
      const items = this.store.all("invoice").filter(
        (i) =>
          (p.customer === undefined || i.customer === p.customer) &&
          (p.status === undefined || i.status === p.status) &&
          (p.subscription === undefined || i.parent?.subscription_details?.subscription === p.subscription),
      );
      return this.list("/v1/invoices", items, p);
    });
    r("GET", "/v1/invoices/:id", (_, [id]) => this.load("invoice", id!, "invoice", "invoice"));
    r("GET", "/v1/invoices/:id/lines", (p, [id]) => this.list(`/v1/invoices/${id}/lines`, this.load("invoice", id!, "invoice", "invoice").lines.data, p));
    r("POST", "/v1/invoices/:id/pay", (p, [id]) => {
      const invoice = this.load("invoice", id!, "invoice", "invoice");
      const pm = str(p.payment_method);
      const sub = this.store.get(invoice.parent?.subscription_details?.subscription ?? "");
      const pmId = pm ? this.resolvePaymentMethod(pm, invoice.customer).id : sub ? this.defaultPaymentMethod(sub) : this.store.get(invoice.customer)?.invoice_settings?.default_payment_method;
      return this.payInvoice(id!, pmId ?? null);
    });
    r("POST", "/v1/invoices/:id/void", (_, [id]) => {
      const invoice = this.load("invoice", id!, "invoice", "invoice");
      if (invoice.status !== "open") throw new StripeError(400, "invalid_request_error", `You can only void an open invoice.`, { code: "invoice_unexpected_state" });
      invoice.status = "void";
      invoice.status_transitions.voided_at = this.now(invoice.customer);
      invoice.next_payment_attempt = null;
      this.store.put(invoice);
      this.emit("invoice.voided", invoice);
      return invoice;
    });
    r("GET", "/v1/invoiceitems", (p) =>
      this.list(
        "/v1/invoiceitems",
        this.store.all("invoiceitem").filter((i) => (p.customer === undefined || i.customer === p.customer) && (p.pending === undefined || (i.invoice === null) === bool(p.pending))),
        p,
      ),
    );

    r("POST", "/v1/test_helpers/test_clocks", (p) => this.createTestClock(p));
    r("GET", "/v1/test_helpers/test_clocks", (p) => this.list("/v1/test_helpers/test_clocks", this.filtered("test_helpers.test_clock", p, []), p));
    r("GET", "/v1/test_helpers/test_clocks/:id", (_, [id]) => this.load("test_helpers.test_clock", id!, "test_helpers.test_clock"));
    r("POST", "/v1/test_helpers/test_clocks/:id/advance", (p, [id]) => this.advanceTestClock(id!, p));
    r("DELETE", "/v1/test_helpers/test_clocks/:id", (_, [id]) => {
      const clock = this.load("test_helpers.test_clock", id!, "test_helpers.test_clock");
      this.store.put({ ...clock, deleted: true });
      return { id, object: "test_helpers.test_clock", deleted: true };
    });

    r("POST", "/v1/checkout/sessions", (p) => this.createCheckoutSession(p));
    r("GET", "/v1/checkout/sessions", (p) => this.list("/v1/checkout/sessions", this.filtered("checkout.session", p, ["customer", "payment_intent", "subscription", "status"]), p));
    r("GET", "/v1/checkout/sessions/:id", (_, [id]) => this.load("checkout session", id!, "checkout.session", "session"));
    r("GET", "/v1/checkout/sessions/:id/line_items", (p, [id]) => this.checkoutLineItems(id!, p));
    r("POST", "/v1/checkout/sessions/:id/expire", (_, [id]) => this.expireCheckoutSession(id!));

    r("POST", "/v1/accounts", (p) => this.createAccount(p));
    r("GET", "/v1/accounts", (p) => this.list("/v1/accounts", this.filtered("account", p, []), p));
    r("GET", "/v1/accounts/:id", (_, [id]) => this.load("account", id!, "account", "account"));
    r("POST", "/v1/accounts/:id", (p, [id]) => this.updateAccount(id!, p));
    r("DELETE", "/v1/accounts/:id", (_, [id]) => {
      const account = this.load("account", id!, "account", "account");
      this.store.put({ ...account, deleted: true });
      return { id, object: "account", deleted: true };
    });
    r("POST", "/v1/account_links", (p) => this.createAccountLink(p));
    r("POST", "/v1/transfers", (p) => this.createTransfer(p));
    r("GET", "/v1/transfers", (p) => this.list("/v1/transfers", this.filtered("transfer", p, ["destination", "transfer_group"]), p));
    r("GET", "/v1/transfers/:id", (_, [id]) => this.load("transfer", id!, "transfer"));
    r("POST", "/v1/transfers/:id/reversals", (p, [id]) => this.reverseTransfer(id!, p));

    r("GET", "/v1/events", (p) => this.list("/v1/events", this.store.all("event").filter((e) => p.type === undefined || e.type === p.type), p));
    r("GET", "/v1/events/:id", (_, [id]) => this.load("event", id!, "event"));
  }
}

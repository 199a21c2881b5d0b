// Subscriptions: create (first invoice charged at once), update with prorations, cancel, and what
// happens when a test clock reaches a period end or a retry date (renewal, dunning, cancellation).
import type { Route } from "../../core";
import { invalid, missing, StripeError } from "../../errors";
import type { Params } from "../../form";
import { newId } from "../../ids";
import { list } from "../../list";
import { arr, bool, int, metadataFrom, obj, requireStr, str } from "../../params";
import type { Obj } from "../../store";
import { Resource } from "../resource";
import { addInterval, fmtDate } from "./time";

export class Subscriptions extends Resource {
  /** The payment method renewals use: the subscription's, else the customer's invoice default. */
  defaultPaymentMethod(sub: Obj): string | null {
    if (sub.default_payment_method) return sub.default_payment_method;
    const customer = this.store.get(sub.customer);
    return customer?.invoice_settings?.default_payment_method ?? null;
  }

  create(p: Params) {
    const customerId = requireStr(p, "customer");
    const customer = this.em.load("customer", customerId, "customer", "customer");
    const items = arr(p.items).map(obj);
    if (!items.length) throw missing("items");
    const now = this.em.now(customerId);
    const prices = items.map((item, i) => {
      const priceId = str(item.price);
      if (!priceId) throw missing(`items[${i}][price]`);
      const price = this.em.load("price", priceId, "price", `items[${i}][price]`);
      if (!price.recurring) throw invalid(`items[${i}][price]`, `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`);
      return { price, quantity: Number(str(item.quantity) ?? 1) };
    });
    const currency = prices[0]!.price.currency;
    if (prices.some((x) => x.price.currency !== currency)) throw invalid("items", "All prices on a subscription must have the same currency.");
    const pmParam = str(p.default_payment_method);
    const defaultPm = pmParam ? this.em.paymentMethods.resolve(pmParam, customerId, "default_payment_method").id : null;
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
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor: now,
      billing_cycle_anchor_config: null,
      billing_mode: { flexible: { proration_discounts: "included" }, type: "flexible", updated_at: now },
      billing_schedules: [],
      billing_thresholds: null,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      cancellation_details: cancellationDetails(null),
      collection_method: "charge_automatically",
      currency,
      customer: customer.id,
      customer_account: null,
      days_until_due: null,
      default_payment_method: defaultPm,
      default_source: null,
      default_tax_rates: [],
      description: str(p.description) ?? null,
      discounts: [],
      ended_at: null,
      invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: "self" } },
      items: {
        object: "list",
        data: prices.map(({ price, quantity }) => this.newItem(id, price, quantity, now, end, now)),
        has_more: false,
        total_count: prices.length,
        url: `/v1/subscription_items?subscription=${id}`,
      },
      latest_invoice: null,
      managed_payments: null,
      metadata: metadataFrom({}, p.metadata),
      next_pending_invoice_item_invoice: null,
      on_behalf_of: null,
      pause_collection: null,
      payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
      pending_invoice_item_interval: null,
      pending_setup_intent: null,
      pending_update: null,
      schedule: null,
      start_date: now,
      status: "incomplete",
      test_clock: customer.test_clock ?? null,
      transfer_data: null,
      trial_end: null,
      trial_settings: this.em.trials.settings(p),
      trial_start: null,
    };
    const save = str(obj(p.payment_settings).save_default_payment_method);
    if (save) sub.payment_settings.save_default_payment_method = save;
    if (p.cancel_at_period_end !== undefined) sub.cancel_at_period_end = bool(p.cancel_at_period_end);
    if (sub.cancel_at_period_end) sub.cancel_at = end;
    // Trials (trials.ts): no charge now, a $0 invoice, the first payment when the trial ends.
    const trialEnd = this.em.trials.requestedEnd(p, now);
    if (trialEnd !== null) {
      this.em.trials.start(sub, now, trialEnd);
      this.em.emit("customer.subscription.created", sub);
      this.em.trials.afterCreate(id, now);
      return this.store.get(id)!;
    }
    this.store.put(sub, { pendingItems: [], failedAttempts: 0 });
    const behavior = str(p.payment_behavior) ?? "allow_incomplete";
    const lines = sub.items.data.map((item: Obj) => this.itemLine(item, now, end));
    const invoice = this.em.invoices.create(sub, "subscription_create", lines, now, now);
    sub.latest_invoice = invoice.id;
    this.store.put(sub);
    let paid = invoice.status === "paid";
    let failure: StripeError | null = null;
    if (!paid && behavior !== "default_incomplete") {
      try {
        paid = this.em.invoices.pay(invoice.id, this.defaultPaymentMethod(sub)).status === "paid";
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
    this.em.emit("customer.subscription.created", fresh);
    return fresh;
  }

  private newItem(subId: string, price: Obj, quantity: number, periodStart: number, periodEnd: number, created: number): Obj {
    return {
      id: newId("si"),
      object: "subscription_item",
      billing_thresholds: null,
      created,
      current_period_end: periodEnd,
      current_period_start: periodStart,
      current_trial: null,
      discounts: [],
      metadata: {},
      plan: planOf(price),
      price,
      quantity,
      subscription: subId,
      tax_rates: [],
    };
  }

  /** The invoice line for a subscription item's period. */
  private itemLine(item: Obj, start: number, end: number): Obj {
    return {
      amount: item.price.unit_amount * item.quantity,
      description: `${item.quantity} × ${this.em.prices.productName(item.price)} (at ${(item.price.unit_amount / 100).toFixed(2)} / ${item.price.recurring.interval})`,
      period: { start, end },
      price: item.price,
      quantity: item.quantity,
      proration: false,
      subscription_item: item.id,
    };
  }

  update(id: string, p: Params) {
    const before = this.em.load("subscription", id, "subscription");
    if (before.status === "canceled" || before.status === "incomplete_expired") {
      throw new StripeError(400, "invalid_request_error", `A canceled subscription can only update its cancellation_details and metadata.`, { code: "resource_missing" });
    }
    const sub = structuredClone(before);
    const internal = this.store.internal(id);
    const now = this.em.now(sub.customer);
    if (p.metadata !== undefined) sub.metadata = metadataFrom(sub.metadata, p.metadata);
    if (p.description !== undefined) sub.description = str(p.description) || null;
    if (p.default_payment_method !== undefined) {
      const pm = str(p.default_payment_method);
      sub.default_payment_method = pm ? this.em.paymentMethods.resolve(pm, sub.customer, "default_payment_method").id : null;
    }
    if (p.cancel_at_period_end !== undefined) {
      sub.cancel_at_period_end = bool(p.cancel_at_period_end);
      sub.cancel_at = sub.cancel_at_period_end ? sub.items.data[0].current_period_end : null;
      sub.canceled_at = sub.cancel_at_period_end ? now : null;
      sub.cancellation_details = cancellationDetails(sub.cancel_at_period_end ? "cancellation_requested" : null);
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
      const price = priceId ? this.em.load("price", priceId, "price", `items[${i}][price]`) : existing?.price;
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
          description: `Unused time on ${existing.quantity} × ${this.em.prices.productName(existing.price)} after ${fmtDate(prorationDate)}`,
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
          description: `Remaining time on ${quantity} × ${this.em.prices.productName(price)} after ${fmtDate(prorationDate)}`,
          period: { start: prorationDate, end: periodEnd },
          price,
          quantity,
          proration: true,
          subscription_item: existing?.id ?? "",
        });
      }
      if (existing) {
        existing.plan = planOf(price);
        existing.price = price;
        existing.quantity = quantity;
      } else {
        sub.items.data.push(this.newItem(id, price, quantity, periodStart, periodEnd, now));
      }
    }
    sub.items.total_count = sub.items.data.length;
    for (const line of prorationLines) if (!line.subscription_item) line.subscription_item = sub.items.data.at(-1).id;
    let invoiceLines: Obj[] | null = null;
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
        ...sub.items.data.map((item: Obj) => this.itemLine(item, item.current_period_start, item.current_period_end)),
      ];
      internal.pendingItems = [];
    } else if (prorationLines.length && behavior === "always_invoice") {
      invoiceLines = [...(internal.pendingItems ?? []), ...prorationLines];
      internal.pendingItems = [];
    } else if (prorationLines.length) {
      for (const line of prorationLines) {
        const item = this.em.invoices.createPendingItem(sub, line, now);
        (internal.pendingItems ??= []).push({ ...line, invoice_item: item.id });
      }
    }
    this.store.put(sub, internal);
    if (invoiceLines) {
      const invoice = this.em.invoices.create(sub, "subscription_update", invoiceLines, now, now);
      this.em.invoices.markItemsUsed(invoiceLines, invoice.id);
      sub.latest_invoice = invoice.id;
      this.store.put(sub);
      if (invoice.status === "open") {
        try {
          this.em.invoices.pay(invoice.id, this.defaultPaymentMethod(sub));
        } catch (error) {
          if (!(error instanceof StripeError)) throw error;
          if (str(p.payment_behavior) === "error_if_incomplete") throw error;
        }
      }
    }
    const fresh = this.store.get(id)!;
    // The status may have been changed (and announced) by the payment above; announce the rest.
    const baseline = { ...before, status: fresh.status };
    return this.em.saveUpdated("customer.subscription.updated", baseline, fresh);
  }

  cancelNow(id: string, p: Params = {}) {
    const sub = this.em.load("subscription", id, "subscription");
    if (sub.status === "canceled") {
      throw new StripeError(400, "invalid_request_error", `No such subscription: '${id}'`, { code: "resource_missing", param: "id" });
    }
    const now = this.em.now(sub.customer);
    sub.status = "canceled";
    sub.canceled_at ??= now;
    sub.ended_at = now;
    sub.cancel_at_period_end = false;
    const details = obj(p.cancellation_details);
    sub.cancellation_details = {
      ...cancellationDetails(sub.cancellation_details?.reason ?? "cancellation_requested"),
      comment: str(details.comment) ?? null,
      feedback: str(details.feedback) ?? null,
    };
    this.store.put(sub);
    this.em.emit("customer.subscription.deleted", sub);
    return sub;
  }

  /** A test clock reached the end of the current period: cancel (if asked to) or renew and charge. */
  reachPeriodEnd(subId: string, end: number) {
    const before = this.store.get(subId)!;
    if (before.cancel_at_period_end || (before.cancel_at && before.cancel_at <= end)) {
      const sub = structuredClone(before);
      sub.status = "canceled";
      sub.ended_at = end;
      sub.canceled_at ??= end;
      this.store.put(sub);
      this.em.emit("customer.subscription.deleted", sub);
      return;
    }
    if (before.status === "trialing") return this.em.trials.end(subId, end);
    const sub = structuredClone(before);
    const internal = this.store.internal(subId);
    for (const item of sub.items.data) {
      item.current_period_start = item.current_period_end;
      item.current_period_end = addInterval(item.current_period_start, item.price.recurring.interval, item.price.recurring.interval_count);
    }
    const lines = [
      ...(internal.pendingItems ?? []),
      ...sub.items.data.map((item: Obj) => this.itemLine(item, item.current_period_start, item.current_period_end)),
    ];
    internal.pendingItems = [];
    this.store.put(sub, internal);
    const invoice = this.em.invoices.create(sub, "subscription_cycle", lines, before.items.data[0].current_period_start, end);
    this.em.invoices.markItemsUsed(lines, invoice.id);
    sub.latest_invoice = invoice.id;
    this.store.put(sub);
    this.em.saveUpdated("customer.subscription.updated", before, sub);
    if (invoice.status === "open") this.em.invoices.pay(invoice.id, this.defaultPaymentMethod(sub), false);
  }

  /** A test clock reached an invoice's retry date: charge again; after the last retry, cancel. */
  retryInvoice(subId: string, invoiceId: string) {
    const sub = this.store.get(subId)!;
    const invoice = this.em.invoices.pay(invoiceId, this.defaultPaymentMethod(sub), false);
    if (invoice.status !== "paid" && invoice.next_payment_attempt === null) {
      // All retries failed: Stripe's default dunning setting cancels the subscription.
      const latest = this.store.get(subId)!;
      latest.status = "canceled";
      latest.ended_at = this.em.now(latest.customer);
      latest.canceled_at = latest.ended_at;
      latest.cancellation_details = cancellationDetails("payment_failed");
      this.store.put(latest);
      this.em.emit("customer.subscription.deleted", latest);
    }
  }

  routes(r: Route) {
    r("POST", "/v1/subscriptions", (p) => this.create(p));
    r("GET", "/v1/subscriptions", (p) => {
      const status = str(p.status);
      const price = str(p.price);
      const items = (typeof p.customer === "string" ? this.store.where("subscription", "$.customer", p.customer) : this.store.all("subscription")).filter(
        (s) =>
          (p.customer === undefined || s.customer === p.customer) &&
          (status === "all" || (status ? s.status === status : s.status !== "canceled" && s.status !== "incomplete_expired")) &&
          (!price || s.items.data.some((i: Obj) => i.price.id === price)) &&
          (p.test_clock === undefined || s.test_clock === p.test_clock),
      );
      return list("/v1/subscriptions", items, p);
    });
    r("GET", "/v1/subscriptions/:id", (_, [id]) => this.em.load("subscription", id!, "subscription"));
    r("POST", "/v1/subscriptions/:id", (p, [id]) => this.update(id!, p));
    r("DELETE", "/v1/subscriptions/:id", (p, [id]) => this.cancelNow(id!, p));
  }
}

const cancellationDetails = (reason: string | null) => ({ comment: null, feedback: null, feedback_option: null, reason });

/** The legacy `plan` view of a recurring price, which Stripe still sends on subscription items. */
export function planOf(price: Obj) {
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring.interval,
    interval_count: price.recurring.interval_count,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: price.recurring.usage_type,
  };
}

declare module "../../core" {
  interface Resources {
    readonly subscriptions: Subscriptions;
  }
}

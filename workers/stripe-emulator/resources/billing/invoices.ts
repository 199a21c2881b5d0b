// Invoices (created by subscriptions, finalized at once, paid through a payment intent), their
// lines and payments, pending invoice items (prorations waiting for the next invoice), void.
import type { Route } from "../../core";
import { StripeError } from "../../errors";
import { newId } from "../../ids";
import { list } from "../../list";
import { bool, str } from "../../params";
import type { Obj } from "../../store";
import { DAY } from "../../core";
import { Resource } from "../resource";

export class Invoices extends Resource {
  /** Creates, finalizes and (when nothing is due) settles an invoice. Lines: amount, description, period, price, quantity, proration, subscription_item. */
  create(sub: Obj, reason: string, lines: Obj[], periodStart: number, periodEnd: number) {
    const now = this.em.now(sub.customer);
    const customer = this.store.get(sub.customer)!;
    const id = newId("in");
    const total = lines.reduce((s, l) => s + l.amount, 0);
    const startingBalance: number = customer.balance ?? 0;
    const applied = total + startingBalance;
    const amountDue = Math.max(0, applied);
    const endingBalance = Math.min(0, applied);
    const number = `${customer.invoice_prefix}-${String(this.store.where("invoice", "$.customer", customer.id).length + 1).padStart(4, "0")}`;
    const invoice = {
      id,
      object: "invoice",
      created: now,
      livemode: false,
      account_country: "US",
      account_name: "Coursemint (emulated)",
      account_tax_ids: null,
      amount_due: amountDue,
      amount_paid: 0,
      amount_overpaid: 0,
      amount_remaining: amountDue,
      amount_shipping: 0,
      application: null,
      attempt_count: 0,
      attempted: false,
      auto_advance: true,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
      automatically_finalizes_at: null,
      billing_reason: reason,
      collection_method: "charge_automatically",
      currency: sub.currency,
      custom_fields: null,
      customer: customer.id,
      customer_account: null,
      customer_address: customer.address ?? null,
      customer_email: customer.email,
      customer_name: customer.name,
      customer_phone: customer.phone ?? null,
      customer_shipping: customer.shipping ?? null,
      customer_tax_exempt: customer.tax_exempt ?? "none",
      default_payment_method: null,
      default_source: null,
      default_tax_rates: [],
      description: null,
      discounts: [],
      due_date: null,
      effective_at: now,
      ending_balance: endingBalance,
      footer: null,
      from_invoice: null,
      hosted_invoice_url: `${this.em.options.publicBase}/i/${this.em.options.namespace}/${id}`,
      invoice_pdf: null,
      issuer: { type: "self" },
      last_finalization_error: null,
      latest_revision: null,
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
            invoice_item_details: null,
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
          pretax_credit_amounts: [],
          pricing: { type: "price_details", price_details: { price: l.price.id, product: l.price.product }, unit_amount_decimal: String(l.price.unit_amount) },
          quantity: l.quantity,
          quantity_decimal: String(l.quantity),
          subscription: sub.id,
          subtotal: l.amount,
          taxes: [],
        })),
        has_more: false,
        total_count: lines.length,
        url: `/v1/invoices/${id}/lines`,
      },
      metadata: {},
      next_payment_attempt: amountDue > 0 ? now : null,
      number,
      on_behalf_of: null,
      parent: { type: "subscription_details", quote_details: null, subscription_details: { metadata: sub.metadata, subscription: sub.id } },
      payments: { object: "list", data: [] as Obj[], has_more: false, url: `/v1/invoice_payments?invoice=${id}` },
      payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
      period_end: periodEnd,
      period_start: periodStart,
      post_payment_credit_notes_amount: 0,
      pre_payment_credit_notes_amount: 0,
      receipt_number: null,
      rendering: null,
      shipping_cost: null,
      shipping_details: null,
      starting_balance: startingBalance,
      statement_descriptor: null,
      status: "open",
      status_transitions: { finalized_at: now, marked_uncollectible_at: null, paid_at: null as number | null, voided_at: null },
      subtotal: total,
      subtotal_excluding_tax: total,
      test_clock: customer.test_clock ?? null,
      total,
      total_discount_amounts: [],
      total_excluding_tax: total,
      total_pretax_credit_amounts: [],
      total_taxes: [],
      webhooks_delivered_at: null,
    };
    if (startingBalance !== endingBalance) this.store.put({ ...customer, balance: endingBalance });
    this.store.put(invoice);
    this.em.emit("invoice.created", invoice);
    this.em.emit("invoice.finalized", invoice);
    if (amountDue === 0) {
      invoice.status = "paid";
      invoice.status_transitions.paid_at = now;
      invoice.next_payment_attempt = null;
      this.store.put(invoice);
      this.em.emit("invoice.paid", invoice);
      this.em.emit("invoice.payment_succeeded", invoice);
    }
    return invoice;
  }

  /** Charges an open invoice; on success the subscription becomes active, on failure past_due. */
  pay(id: string, pmId: string | null, throwOnDecline = true): Obj {
    const invoice = this.em.load("invoice", id, "invoice");
    if (invoice.status === "paid") {
      throw new StripeError(400, "invalid_request_error", "Invoice is already paid", { code: "invoice_unexpected_state" });
    }
    if (invoice.status !== "open") {
      throw new StripeError(400, "invalid_request_error", `You can only pay an invoice that is open; this invoice is ${invoice.status}.`, { code: "invoice_unexpected_state" });
    }
    const subId = invoice.parent?.subscription_details?.subscription as string | undefined;
    const now = this.em.now(invoice.customer);
    if (!pmId) {
      throw new StripeError(400, "invalid_request_error", "This customer has no attached payment source or default payment method. Please consider adding a default payment method.", { code: "invoice_no_payment_method_types" });
    }
    const existing = invoice.payments.data[0]?.payment?.payment_intent as string | undefined;
    let pi = existing ? this.store.get(existing)! : null;
    if (!pi) {
      pi = this.em.paymentIntents.create({
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
      this.em.paymentIntents.confirm(pi.id, { payment_method: pmId });
    } catch (error) {
      if (!(error instanceof StripeError)) throw error;
      decline = error;
    }
    const sub = subId ? this.store.get(subId) : null;
    if (decline) {
      const internal = sub ? this.store.internal(sub.id) : {};
      invoice.next_payment_attempt = invoice.attempt_count < 4 ? now + [3, 5, 7][invoice.attempt_count - 1]! * DAY : null;
      this.store.put(invoice);
      this.em.emit("invoice.payment_failed", invoice);
      if (sub && sub.status === "active") {
        const after = { ...structuredClone(sub), status: "past_due" };
        this.em.saveUpdated("customer.subscription.updated", sub, after);
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
    this.em.emit("invoice.paid", invoice);
    this.em.emit("invoice.payment_succeeded", invoice);
    if (sub && (sub.status === "past_due" || sub.status === "unpaid" || (sub.status === "incomplete" && invoice.id === sub.latest_invoice))) {
      const after = { ...structuredClone(sub), status: "active" };
      this.em.saveUpdated("customer.subscription.updated", sub, after);
    }
    return invoice;
  }

  void(id: string) {
    const invoice = this.em.load("invoice", id, "invoice", "invoice");
    if (invoice.status !== "open") throw new StripeError(400, "invalid_request_error", `You can only void an open invoice.`, { code: "invoice_unexpected_state" });
    invoice.status = "void";
    invoice.status_transitions.voided_at = this.em.now(invoice.customer);
    invoice.next_payment_attempt = null;
    this.store.put(invoice);
    this.em.emit("invoice.voided", invoice);
    return invoice;
  }

  /** A proration kept for the subscription's next invoice (an `invoiceitem` with `invoice: null`). */
  createPendingItem(sub: Obj, line: Obj, now: number) {
    const item = {
      ...this.em.base("ii", "invoiceitem", now),
      amount: line.amount,
      currency: sub.currency,
      customer: sub.customer,
      customer_account: null,
      date: now,
      description: line.description,
      discountable: false,
      discounts: [],
      invoice: null,
      metadata: {},
      parent: { type: "subscription_details", subscription_details: { subscription: sub.id, subscription_item: line.subscription_item } },
      period: line.period,
      pricing: { type: "price_details", price_details: { price: line.price.id, product: line.price.product }, unit_amount_decimal: String(line.price.unit_amount) },
      proration: true,
      quantity: line.quantity,
      quantity_decimal: String(line.quantity),
      tax_rates: [],
      test_clock: sub.test_clock ?? null,
    };
    this.store.put(item);
    this.em.emit("invoiceitem.created", item);
    return item;
  }

  markItemsUsed(lines: Obj[], invoiceId: string) {
    for (const line of lines) {
      if (!line.invoice_item) continue;
      const item = this.store.get(line.invoice_item);
      if (item) this.store.put({ ...item, invoice: invoiceId });
    }
  }

  routes(r: Route) {
    r("GET", "/v1/invoices", (p) => {
      const items = (typeof p.customer === "string" ? this.store.where("invoice", "$.customer", p.customer) : this.store.all("invoice")).filter(
        (i) =>
          (p.customer === undefined || i.customer === p.customer) &&
          (p.status === undefined || i.status === p.status) &&
          (p.subscription === undefined || i.parent?.subscription_details?.subscription === p.subscription),
      );
      return list("/v1/invoices", items, p);
    });
    r("GET", "/v1/invoices/:id", (_, [id]) => this.em.load("invoice", id!, "invoice", "invoice"));
    r("GET", "/v1/invoices/:id/lines", (p, [id]) => list(`/v1/invoices/${id}/lines`, this.em.load("invoice", id!, "invoice", "invoice").lines.data, p));
    r("POST", "/v1/invoices/:id/pay", (p, [id]) => {
      const invoice = this.em.load("invoice", id!, "invoice", "invoice");
      const pm = str(p.payment_method);
      const sub = this.store.get(invoice.parent?.subscription_details?.subscription ?? "");
      const pmId = pm
        ? this.em.paymentMethods.resolve(pm, invoice.customer).id
        : sub
          ? this.em.subscriptions.defaultPaymentMethod(sub)
          : this.store.get(invoice.customer)?.invoice_settings?.default_payment_method;
      return this.pay(id!, pmId ?? null);
    });
    r("POST", "/v1/invoices/:id/void", (_, [id]) => this.void(id!));
    r("GET", "/v1/invoiceitems", (p) =>
      list(
        "/v1/invoiceitems",
        (typeof p.customer === "string" ? this.store.where("invoiceitem", "$.customer", p.customer) : this.store.all("invoiceitem")).filter((i) => (p.customer === undefined || i.customer === p.customer) && (p.pending === undefined || (i.invoice === null) === bool(p.pending))),
        p,
      ),
    );
  }
}

declare module "../../core" {
  interface Resources {
    readonly invoices: Invoices;
  }
}

// Free trials on subscriptions (kept apart from subscriptions.ts, which calls in here): the trial
// parameters of a create (`trial_period_days`, `trial_end`, `trial_settings`), the $0 trial
// invoice, `customer.subscription.trial_will_end` three days before the end, and what happens when
// a test clock reaches the end: with a payment method the first period is invoiced and charged
// (billing_reason subscription_cycle); without one `trial_settings.end_behavior.missing_payment_method`
// decides: cancel, pause, or create_invoice (left open, the subscription past_due).
import { DAY } from "../../core";
import type { Route } from "../../core";
import { invalid } from "../../errors";
import type { Params } from "../../form";
import { int, obj, str } from "../../params";
import type { Obj } from "../../store";
import { Resource } from "../resource";
import { addInterval } from "./time";

/** Stripe sends trial_will_end three days before a trial ends (or at once when less is left). */
export const TRIAL_WILL_END_BEFORE = 3 * DAY;
const MAX_TRIAL_DAYS = 730;
const END_BEHAVIORS = ["cancel", "create_invoice", "pause"];

export class Trials extends Resource {
  /** The trial end a create asks for (`trial_end` wins over `trial_period_days`), or null for no trial. */
  requestedEnd(p: Params, now: number): number | null {
    if (p.trial_end !== undefined && p.trial_end !== "") {
      if (str(p.trial_end) === "now") return null;
      const end = int(p, "trial_end")!;
      if (end <= now) throw invalid("trial_end", "Invalid timestamp: must be an integer Unix timestamp in the future.");
      if (end > now + MAX_TRIAL_DAYS * DAY) throw invalid("trial_end", `Invalid timestamp: can be no more than ${MAX_TRIAL_DAYS} days in the future.`);
      return end;
    }
    const days = int(p, "trial_period_days", { min: 0 });
    if (days === undefined || days === 0) return null;
    if (days > MAX_TRIAL_DAYS) throw invalid("trial_period_days", `Trial period days must be less than or equal to ${MAX_TRIAL_DAYS}.`);
    return now + days * DAY;
  }

  /** `trial_settings` of a create (Stripe's default end behavior is create_invoice). */
  settings(p: Params) {
    const behavior = str(obj(obj(p.trial_settings).end_behavior).missing_payment_method) ?? "create_invoice";
    if (!END_BEHAVIORS.includes(behavior)) {
      throw invalid("trial_settings[end_behavior][missing_payment_method]", `Invalid trial_settings[end_behavior][missing_payment_method]: must be one of ${END_BEHAVIORS.join(", ")}`);
    }
    return { end_behavior: { billing_cycle_anchor: null, missing_payment_method: behavior } };
  }

  /**
   * Puts a new (not yet saved) subscription on trial until `trialEnd`: status trialing, the items'
   * period is the trial, one $0 invoice (paid at once, nothing charged).
   */
  start(sub: Obj, now: number, trialEnd: number) {
    sub.trial_start = now;
    sub.trial_end = trialEnd;
    sub.status = "trialing";
    sub.billing_cycle_anchor = trialEnd;
    for (const item of sub.items.data) {
      item.current_period_start = now;
      item.current_period_end = trialEnd;
    }
    if (sub.cancel_at_period_end) sub.cancel_at = trialEnd;
    this.store.put(sub, { pendingItems: [], failedAttempts: 0, trialWillEndSent: false });
    const lines = sub.items.data.map((item: Obj) => ({
      amount: 0,
      description: `Trial period for ${this.em.prices.productName(item.price)}`,
      period: { start: now, end: trialEnd },
      price: item.price,
      quantity: item.quantity,
      proration: false,
      subscription_item: item.id,
    }));
    const invoice = this.em.invoices.create(sub, "subscription_create", lines, now, now);
    sub.latest_invoice = invoice.id;
    this.store.put(sub);
  }

  /** When trial_will_end is due for a trialing subscription (null: sent already, or no trial). */
  willEndAt(sub: Obj): number | null {
    if (sub.status !== "trialing" || !sub.trial_end) return null;
    if (this.store.internal(sub.id).trialWillEndSent) return null;
    return sub.trial_end - TRIAL_WILL_END_BEFORE;
  }

  /** Emits customer.subscription.trial_will_end once per trial. */
  sendWillEnd(subId: string) {
    const sub = this.store.get(subId)!;
    const internal = this.store.internal(subId);
    if (sub.status !== "trialing" || internal.trialWillEndSent) return;
    this.store.setInternal(subId, { ...internal, trialWillEndSent: true });
    this.em.emit("customer.subscription.trial_will_end", sub);
  }

  /** Right after a create: a trial shorter than three days is told about at once. */
  afterCreate(subId: string, now: number) {
    const at = this.willEndAt(this.store.get(subId)!);
    if (at !== null && at <= now) this.sendWillEnd(subId);
  }

  /**
   * A test clock reached the trial's end (the subscription does not cancel at period end; that is
   * handled first by the caller). Converts, cancels, pauses or leaves an open invoice.
   */
  end(subId: string, at: number) {
    this.sendWillEnd(subId);
    const before = this.store.get(subId)!;
    const pm = this.em.subscriptions.defaultPaymentMethod(before);
    const behavior = before.trial_settings?.end_behavior?.missing_payment_method ?? "create_invoice";
    const sub = structuredClone(before);
    if (!pm && behavior === "cancel") {
      sub.status = "canceled";
      sub.canceled_at = at;
      sub.ended_at = at;
      sub.cancellation_details = { ...sub.cancellation_details, reason: "cancellation_requested" };
      this.store.put(sub);
      this.em.emit("customer.subscription.deleted", sub);
      return;
    }
    if (!pm && behavior === "pause") {
      sub.status = "paused";
      this.em.saveUpdated("customer.subscription.updated", before, sub);
      this.em.emit("customer.subscription.paused", sub);
      return;
    }
    // The first paid period starts when the trial ends.
    for (const item of sub.items.data) {
      item.current_period_start = at;
      item.current_period_end = addInterval(at, item.price.recurring.interval, item.price.recurring.interval_count);
    }
    sub.status = pm ? "active" : "past_due";
    const internal = this.store.internal(subId);
    const lines = [
      ...(internal.pendingItems ?? []),
      ...sub.items.data.map((item: Obj) => ({
        amount: item.price.unit_amount * item.quantity,
        description: `${item.quantity} × ${this.em.prices.productName(item.price)} (at ${(item.price.unit_amount / 100).toFixed(2)} / ${item.price.recurring.interval})`,
        period: { start: item.current_period_start, end: item.current_period_end },
        price: item.price,
        quantity: item.quantity,
        proration: false,
        subscription_item: item.id,
      })),
    ];
    this.store.put(sub, { ...internal, pendingItems: [] });
    const invoice = this.em.invoices.create(sub, "subscription_cycle", lines, before.items.data[0].current_period_start, at);
    this.em.invoices.markItemsUsed(lines, invoice.id);
    sub.latest_invoice = invoice.id;
    this.em.saveUpdated("customer.subscription.updated", before, sub);
    if (invoice.status === "open" && pm) this.em.invoices.pay(invoice.id, pm, false);
  }

  /** Trials have no endpoints of their own: they are parameters of subscriptions. */
  routes(_: Route) {}
}

declare module "../../core" {
  interface Resources {
    readonly trials: Trials;
  }
}

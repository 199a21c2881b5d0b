// Refunds, full or partial, of a payment intent's charge; they update the charge's refunded amount.
import type { Route } from "../core";
import { StripeError } from "../errors";
import type { Params } from "../form";
import { newId } from "../ids";
import { filtered, list } from "../list";
import { int, metadataFrom, str } from "../params";
import type { Obj } from "../store";
import { Resource } from "./resource";

export class Refunds extends Resource {
  create(p: Params) {
    let charge: Obj;
    const piId = str(p.payment_intent);
    const chargeId = str(p.charge);
    if (piId) {
      const pi = this.em.load("payment_intent", piId, "payment_intent", "payment_intent");
      if (pi.status !== "succeeded" || !pi.latest_charge) {
        throw new StripeError(400, "invalid_request_error", `This PaymentIntent (${piId}) does not have a successful charge to refund.`, { code: "charge_not_refundable", param: "payment_intent" });
      }
      charge = this.em.load("charge", pi.latest_charge, "charge");
    } else if (chargeId) {
      charge = this.em.load("charge", chargeId, "charge", "charge");
    } else {
      throw new StripeError(400, "invalid_request_error", "One of the following params should be provided for this request: payment_intent or charge.", { code: "parameter_missing", param: "charge" });
    }
    if (charge.status !== "succeeded") {
      throw new StripeError(400, "invalid_request_error", `Charge ${charge.id} has not succeeded and cannot be refunded.`, { code: "charge_not_refundable" });
    }
    const dispute = charge.disputed ? this.store.where("dispute", "$.charge", charge.id).find((d) => !d.is_charge_refundable && !["won", "warning_closed", "prevented"].includes(d.status)) : undefined;
    if (dispute) {
      throw new StripeError(400, "invalid_request_error", `Charge ${charge.id} has been charged back; cannot issue a refund.`, { code: "charge_disputed" });
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
      ...this.em.base("re", "refund", this.em.now(charge.customer)),
      amount,
      balance_transaction: newId("txn"),
      charge: charge.id,
      currency: charge.currency,
      customer: charge.customer,
      customer_account: null,
      destination_details: { card: { type: "refund", reference_status: "pending" }, type: "card" },
      metadata: metadataFrom({}, p.metadata),
      payment_intent: charge.payment_intent,
      payment_method: charge.payment_method,
      reason: str(p.reason) ?? null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: "succeeded",
      transfer_reversal: null,
    };
    this.store.put(refund);
    const before = structuredClone(charge);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    this.store.put(charge);
    this.em.emit("refund.created", refund);
    this.em.emit("charge.refunded", charge, this.em.diff(before, charge));
    return refund;
  }

  routes(r: Route) {
    r("POST", "/v1/refunds", (p) => this.create(p));
    r("GET", "/v1/refunds", (p) => list("/v1/refunds", filtered(this.store, "refund", p, ["charge", "payment_intent"]), p));
    r("GET", "/v1/refunds/:id", (_, [id]) => this.em.load("refund", id!, "refund"));
  }
}

declare module "../core" {
  interface Resources {
    readonly refunds: Refunds;
  }
}

// Disputes (chargebacks) and inquiries, as Stripe's test cards make them: a charge paid with
// 4000 0000 0000 0259 (fraudulent), 2685 (product not received) or 1976 (inquiry) succeeds, and a
// dispute opens "shortly after": on the account's next webhook delivery pull or flush, push
// delivery, or test clock advance (open() below), so tests wait for a known state, never a sleep.
// Evidence whose text contains `winning_evidence` or `losing_evidence` decides the outcome on
// submission, as Stripe's test mode does; closing a dispute accepts it (lost).
import type { DisputeScenario } from "../cards";
import { DAY, type Route } from "../core";
import { invalid, StripeError } from "../errors";
import type { Params } from "../form";
import { newId } from "../ids";
import { filtered, list } from "../list";
import { bool, metadataFrom, obj, str } from "../params";
import type { Obj } from "../store";
import { Resource } from "./resource";

/** Stripe's dispute fee in the US (minor units), withdrawn with the disputed amount and not returned when won. */
export const DISPUTE_FEE = 1500;
/** How long the merchant has to respond (Stripe shows `evidence_details.due_by`; usually 7–21 days). */
const RESPONSE_DAYS = 7;

/** Every text field of Stripe's `evidence` hash (file fields take a File id, which we accept as text). */
const EVIDENCE_FIELDS = [
  "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure", "cancellation_rebuttal",
  "customer_communication", "customer_email_address", "customer_name", "customer_purchase_ip", "customer_signature",
  "duplicate_charge_documentation", "duplicate_charge_explanation", "duplicate_charge_id", "product_description", "receipt",
  "refund_policy", "refund_policy_disclosure", "refund_refusal_explanation", "service_date", "service_documentation",
  "shipping_address", "shipping_carrier", "shipping_date", "shipping_documentation", "shipping_tracking_number",
  "uncategorized_file", "uncategorized_text",
] as const;

const CLOSED = ["won", "lost", "warning_closed", "prevented"];
type Scheduled = { charge: string } & DisputeScenario;

export class Disputes extends Resource {
  /** The charge succeeded with a dispute test card: the dispute opens at the next delivery or clock advance. */
  schedule(chargeId: string, scenario: DisputeScenario) {
    const due = this.store.kvGet<Scheduled[]>("scheduled_disputes") ?? [];
    this.store.kvSet("scheduled_disputes", [...due, { charge: chargeId, ...scenario }]);
    // The push alarm opens them and needs to know whose account this is.
    this.store.kvSet("namespace", this.em.options.namespace);
  }

  /** Opens every scheduled dispute (the bank's side of the test card). Returns how many opened. */
  open() {
    const due = this.store.kvGet<Scheduled[]>("scheduled_disputes") ?? [];
    if (!due.length) return 0;
    this.store.kvDelete("scheduled_disputes");
    for (const s of due) this.create(s);
    return due.length;
  }

  private create(s: Scheduled) {
    const charge = this.store.get(s.charge);
    if (!charge || charge.disputed) return;
    const created = this.em.now(charge.customer);
    const pm = charge.payment_method_details?.card ?? {};
    const dispute: Obj = {
      ...this.em.base("dp", "dispute", created),
      amount: charge.amount,
      balance_transactions: [] as Obj[],
      charge: charge.id,
      currency: charge.currency,
      enhanced_eligibility_types: [],
      evidence: Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, null])),
      evidence_details: {
        due_by: created + RESPONSE_DAYS * DAY,
        enhanced_eligibility: {},
        has_evidence: false,
        past_due: false,
        submission_count: 0,
        submission_method: "not_submitted",
      },
      intended_submission_method: null,
      is_charge_refundable: s.inquiry,
      metadata: {},
      network_reason_code: s.reason === "fraudulent" ? "10.4" : "13.1",
      payment_intent: charge.payment_intent ?? null,
      payment_method_details: {
        card: { brand: pm.brand ?? "visa", case_type: s.inquiry ? "inquiry" : "chargeback", network: pm.network ?? pm.brand ?? "visa", network_reason_code: s.reason === "fraudulent" ? "10.4" : "13.1" },
        type: "card",
      },
      reason: s.reason,
      status: s.inquiry ? "warning_needs_response" : "needs_response",
    };
    (dispute.evidence as Obj).enhanced_evidence = {};
    this.store.put(dispute);
    charge.disputed = true;
    this.store.put(charge);
    this.em.emit("charge.dispute.created", dispute);
    // A chargeback takes the money (and the fee) at once; an inquiry takes nothing yet.
    if (!s.inquiry) this.withdraw(dispute);
  }

  private balanceTransaction(dispute: Obj, amount: number, fee: number, description: string) {
    const at = this.em.now(this.store.get(dispute.charge)?.customer);
    return {
      id: newId("txn"),
      object: "balance_transaction",
      amount,
      available_on: at,
      balance_type: "payments",
      created: at,
      currency: dispute.currency,
      description,
      exchange_rate: null,
      fee,
      fee_details: fee ? [{ amount: fee, application: null, currency: dispute.currency, description: "Dispute fee", type: "stripe_fee" }] : [],
      net: amount - fee,
      reporting_category: amount < 0 ? "dispute" : "dispute_reversal",
      source: dispute.id,
      status: "available",
      type: "adjustment",
    };
  }

  private withdraw(dispute: Obj) {
    const before = structuredClone(dispute);
    dispute.balance_transactions = [...dispute.balance_transactions, this.balanceTransaction(dispute, -dispute.amount, DISPUTE_FEE, `Chargeback withdrawal for ${dispute.charge}`)];
    this.store.put(dispute);
    this.em.emit("charge.dispute.funds_withdrawn", dispute, this.em.diff(before, dispute));
  }

  /** What disputes did to the account's balance per currency (negative: amounts and fees withdrawn, less reinstatements). */
  balanceEffect(): Record<string, number> {
    const totals: Record<string, number> = {};
    for (const d of this.store.all("dispute")) {
      for (const t of d.balance_transactions as Obj[]) totals[d.currency] = (totals[d.currency] ?? 0) + t.net;
    }
    return totals;
  }

  /** `POST /v1/disputes/:id`: evidence and metadata; `submit=true` sends it to the bank (and, in test mode, decides). */
  update(id: string, p: Params) {
    const dispute = this.em.load("dispute", id, "dispute");
    if (CLOSED.includes(dispute.status)) {
      throw new StripeError(400, "invalid_request_error", `This dispute is already closed (${dispute.status}); it can no longer be updated.`, { code: "dispute_already_closed" });
    }
    const before = structuredClone(dispute);
    const evidence = obj(p.evidence);
    for (const key of Object.keys(evidence)) {
      if (!(EVIDENCE_FIELDS as readonly string[]).includes(key)) throw invalid(`evidence[${key}]`, `Received unknown parameter: evidence[${key}]`, "parameter_unknown");
      const value = str(evidence[key]);
      if (value !== undefined && value.length > 20_000) throw invalid(`evidence[${key}]`, "Evidence text fields are limited to 20,000 characters.", "string_too_long");
      dispute.evidence[key] = value ? value : null;
    }
    if (p.metadata !== undefined) dispute.metadata = metadataFrom(dispute.metadata, p.metadata);
    const text = EVIDENCE_FIELDS.map((f) => dispute.evidence[f]).filter((v) => typeof v === "string").join("\n");
    dispute.evidence_details.has_evidence = text.length > 0;
    const submit = bool(p.submit);
    if (submit) {
      dispute.evidence_details.submission_count += 1;
      dispute.evidence_details.submission_method = "manual";
      dispute.status = dispute.status.startsWith("warning_") ? "warning_under_review" : "under_review";
    }
    this.em.saveUpdated("charge.dispute.updated", before, dispute);
    if (submit && text.includes("winning_evidence")) return this.close(dispute, "won");
    if (submit && text.includes("losing_evidence")) return this.close(dispute, "lost");
    return dispute;
  }

  /** `POST /v1/disputes/:id/close`: the merchant accepts the dispute (an inquiry just closes). */
  accept(id: string) {
    const dispute = this.em.load("dispute", id, "dispute");
    if (CLOSED.includes(dispute.status)) {
      throw new StripeError(400, "invalid_request_error", `This dispute is already closed (${dispute.status}).`, { code: "dispute_already_closed" });
    }
    // Accepting an inquiry closes it without a chargeback; accepting a chargeback loses it.
    return this.close(dispute, dispute.status.startsWith("warning_") ? "won" : "lost");
  }

  private close(dispute: Obj, outcome: "won" | "lost") {
    const before = structuredClone(dispute);
    if (dispute.status.startsWith("warning_")) {
      // An inquiry: winning closes it; losing escalates it into a chargeback.
      if (outcome === "won") {
        dispute.status = "warning_closed";
        this.store.put(dispute);
        this.em.emit("charge.dispute.closed", dispute, this.em.diff(before, dispute));
        return dispute;
      }
      dispute.status = "needs_response";
      dispute.is_charge_refundable = false;
      dispute.payment_method_details.card.case_type = "chargeback";
      this.em.saveUpdated("charge.dispute.updated", before, dispute);
      this.withdraw(dispute);
      return dispute;
    }
    dispute.status = outcome;
    this.store.put(dispute);
    this.em.emit("charge.dispute.closed", dispute, this.em.diff(before, dispute));
    if (outcome === "won") {
      const reinstated = structuredClone(dispute);
      dispute.balance_transactions = [...dispute.balance_transactions, this.balanceTransaction(dispute, dispute.amount, 0, `Chargeback reversal for ${dispute.charge}`)];
      this.store.put(dispute);
      this.em.emit("charge.dispute.funds_reinstated", dispute, this.em.diff(reinstated, dispute));
    }
    return dispute;
  }

  routes(r: Route) {
    r("GET", "/v1/disputes", (p) => list("/v1/disputes", filtered(this.store, "dispute", p, ["charge", "payment_intent"]), p));
    r("GET", "/v1/disputes/:id", (_, [id]) => this.em.load("dispute", id!, "dispute"));
    r("POST", "/v1/disputes/:id", (p, [id]) => this.update(id!, p));
    r("POST", "/v1/disputes/:id/close", (_, [id]) => this.accept(id!));
  }
}

declare module "../core" {
  interface Resources {
    readonly disputes: Disputes;
  }
}

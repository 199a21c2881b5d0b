import { describe, expect, it } from "vitest";
import { emulatedStripe, stripeError } from "./helpers";

// The emulator's disputes, as Stripe's dispute test cards make them: the dispute opens at the next
// delivery pull (a known state, no sleep), evidence decides it, Stripe's refusals and balance apply.

describe("emulated disputes", () => {
  it("the 0259 card opens a fraudulent chargeback at the next pull: funds and fee withdrawn, charge disputed", async () => {
    const { stripe, control } = emulatedStripe();
    const pi = await stripe.paymentIntents.create({ amount: 5000, currency: "usd", payment_method: "pm_card_createDispute", confirm: true });
    expect(pi.status).toBe("succeeded");
    expect((await stripe.disputes.list({ payment_intent: pi.id })).data).toHaveLength(0); // not yet
    const before = (await stripe.balance.retrieve()).available[0]!.amount;
    const pending = await control.pending();
    expect(pending.map((d) => d.type)).toEqual(["payment_intent.created", "charge.succeeded", "payment_intent.succeeded", "charge.dispute.created", "charge.dispute.funds_withdrawn"]);
    const [dispute] = (await stripe.disputes.list({ payment_intent: pi.id })).data;
    expect(dispute).toMatchObject({ status: "needs_response", reason: "fraudulent", amount: 5000, is_charge_refundable: false, evidence_details: { submission_count: 0, has_evidence: false } });
    expect(dispute!.evidence_details.due_by! - dispute!.created).toBe(7 * 86_400);
    expect(dispute!.balance_transactions.map((t) => [t.amount, t.fee])).toEqual([[-5000, 1500]]);
    expect((await stripe.charges.retrieve(dispute!.charge as string)).disputed).toBe(true);
    expect((await stripe.balance.retrieve()).available[0]!.amount).toBe(before - 6500);
    // A second pull opens nothing more.
    await control.pending();
    expect((await stripe.disputes.list({ payment_intent: pi.id })).data).toHaveLength(1);
    // A charged-back charge cannot be refunded.
    const refused = await stripeError(stripe.refunds.create({ payment_intent: pi.id }));
    expect(refused).toMatchObject({ statusCode: 400, code: "charge_disputed" });
  });

  it("winning_evidence wins (funds reinstated, fee kept); losing_evidence loses; evidence is kept; closed disputes refuse updates", async () => {
    const { stripe, control } = emulatedStripe();
    const a = await stripe.paymentIntents.create({ amount: 3000, currency: "usd", payment_method: "pm_card_createDisputeProductNotReceived", confirm: true });
    const b = await stripe.paymentIntents.create({ amount: 2000, currency: "usd", payment_method: "pm_card_createDispute", confirm: true });
    await control.pending();
    const da = (await stripe.disputes.list({ payment_intent: a.id })).data[0]!;
    const db = (await stripe.disputes.list({ payment_intent: b.id })).data[0]!;
    expect(da.reason).toBe("product_not_received");
    const saved = await stripe.disputes.update(da.id, { evidence: { customer_email_address: "ana@example.test" } });
    expect(saved).toMatchObject({ status: "needs_response", evidence: { customer_email_address: "ana@example.test" }, evidence_details: { has_evidence: true, submission_count: 0 } });
    const won = await stripe.disputes.update(da.id, { evidence: { uncategorized_text: "winning_evidence" }, submit: true });
    expect(won).toMatchObject({ status: "won", evidence: { customer_email_address: "ana@example.test", uncategorized_text: "winning_evidence" }, evidence_details: { submission_count: 1, submission_method: "manual" } });
    expect(won.balance_transactions.map((t) => t.net)).toEqual([-4500, 3000]);
    const lost = await stripe.disputes.update(db.id, { evidence: { uncategorized_text: "losing_evidence" }, submit: true });
    expect(lost.status).toBe("lost");
    const types = (await control.events()).map((e) => e.type).filter((t: string) => t.startsWith("charge.dispute."));
    expect(types.filter((t: string) => t === "charge.dispute.closed")).toHaveLength(2);
    expect(types.filter((t: string) => t === "charge.dispute.funds_reinstated")).toHaveLength(1);
    expect(await stripeError(stripe.disputes.update(da.id, { evidence: { uncategorized_text: "more" } }))).toMatchObject({ statusCode: 400, code: "dispute_already_closed" });
    expect(await stripeError(stripe.disputes.close(db.id))).toMatchObject({ statusCode: 400 });
    expect(await stripeError(stripe.disputes.update(da.id, { evidence: { nonsense: "x" } as never }))).toMatchObject({ statusCode: 400 });
  });

  it("the 1976 card opens an inquiry (no money moves, refundable); closing it closes the inquiry, losing evidence escalates it", async () => {
    const { stripe, control } = emulatedStripe();
    const a = await stripe.paymentIntents.create({ amount: 2500, currency: "usd", payment_method: "pm_card_createDisputeInquiry", confirm: true });
    const b = await stripe.paymentIntents.create({ amount: 2500, currency: "usd", payment_method: "pm_card_createDisputeInquiry", confirm: true });
    await control.pending();
    const ia = (await stripe.disputes.list({ payment_intent: a.id })).data[0]!;
    expect(ia).toMatchObject({ status: "warning_needs_response", is_charge_refundable: true, balance_transactions: [] });
    expect((await stripe.disputes.close(ia.id)).status).toBe("warning_closed");
    const ib = (await stripe.disputes.list({ payment_intent: b.id })).data[0]!;
    const escalated = await stripe.disputes.update(ib.id, { evidence: { uncategorized_text: "losing_evidence" }, submit: true });
    expect(escalated).toMatchObject({ status: "needs_response", is_charge_refundable: false });
    expect(escalated.balance_transactions.map((t) => t.amount)).toEqual([-2500]);
    // The inquiry's charge could be refunded; the escalated one no longer can.
    expect((await stripe.refunds.create({ payment_intent: a.id })).status).toBe("succeeded");
    expect(await stripeError(stripe.refunds.create({ payment_intent: b.id }))).toMatchObject({ code: "charge_disputed" });
  });

  it("a test clock advance opens the disputes of its customers' charges too", async () => {
    const { stripe } = emulatedStripe();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.UTC(2030, 0, 1) / 1000) });
    const customer = await stripe.customers.create({ test_clock: clock.id });
    const pi = await stripe.paymentIntents.create({ amount: 1500, currency: "usd", customer: customer.id, payment_method: "pm_card_createDispute", confirm: true });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: Math.floor(Date.UTC(2030, 0, 2) / 1000) });
    const [dispute] = (await stripe.disputes.list({ payment_intent: pi.id })).data;
    expect(dispute!.created).toBe(Math.floor(Date.UTC(2030, 0, 1) / 1000)); // at the clock's time when it opened
  });
});

// Connect express accounts, onboarding through an account link, and transfers for payouts.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { emulatedStripe, stripeError } from "./helpers";

describe("Connect", () => {
  it("onboards an express account and transfers to it", async () => {
    const { stripe, control } = emulatedStripe();
    const account = await stripe.accounts.create({ type: "express", country: "US", email: "teacher@example.test", capabilities: { transfers: { requested: true } }, metadata: { userId: "usr_t" } });
    expect(account).toMatchObject({ object: "account", type: "express", charges_enabled: false, payouts_enabled: false, details_submitted: false, capabilities: { transfers: "inactive" } });
    expect(account.id).toMatch(/^acct_/);

    const early = await stripeError(stripe.transfers.create({ amount: 1000, currency: "usd", destination: account.id }));
    expect(early).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(early).toMatchObject({ code: "insufficient_capabilities_for_transfer", param: "destination" });

    const link = await stripe.accountLinks.create({ account: account.id, type: "account_onboarding", refresh_url: "http://localhost:8787/payouts/refresh", return_url: "http://localhost:8787/payouts/done" });
    expect(link).toMatchObject({ object: "account_link" });
    const page = await control.binding.fetch(link.url);
    expect(await page.text()).toContain("Set up payouts");
    const done = await control.completeOnboarding(link.url);
    expect(done.status).toBe(303);
    expect(done.headers.get("Location")).toBe("http://localhost:8787/payouts/done");
    expect(await stripe.accounts.retrieve(account.id)).toMatchObject({ charges_enabled: true, payouts_enabled: true, details_submitted: true, capabilities: { transfers: "active" } });

    // Transfers are limited by the platform's balance: a sale brings the funds.
    await stripe.paymentIntents.create({ amount: 10_000, currency: "usd", payment_method: "pm_card_visa", confirm: true });
    const transfer = await stripe.transfers.create({ amount: 7000, currency: "usd", destination: account.id, transfer_group: "payout_1", metadata: { payoutId: "pyt_1" } }, { idempotencyKey: "pyt_1" });
    expect(transfer).toMatchObject({ object: "transfer", amount: 7000, destination: account.id, reversed: false, metadata: { payoutId: "pyt_1" } });
    expect((await stripe.transfers.list({ destination: account.id })).data.map((t) => t.id)).toEqual([transfer.id]);
    const created = await control.events("transfer.created");
    expect(created.map((e) => e.data.object.id)).toEqual([transfer.id]);
    expect((await control.events("account.updated")).length).toBeGreaterThanOrEqual(2);

    const reversal = await stripe.transfers.createReversal(transfer.id, { amount: 2000 });
    expect(reversal).toMatchObject({ object: "transfer_reversal", amount: 2000, transfer: transfer.id });
    expect(await stripe.transfers.retrieve(transfer.id)).toMatchObject({ amount_reversed: 2000, reversed: false });
    expect(await stripeError(stripe.transfers.create({ amount: 100, currency: "usd", destination: "acct_missing" }))).toMatchObject({ statusCode: 400, code: "resource_missing", param: "destination" });
  });
});

// Free trials in the emulator: trial_period_days / trial_end, status trialing with a $0 invoice,
// trial_will_end three days before the end under a test clock, and the end: a card converts
// (first period invoiced and charged), no card cancels or pauses per trial_settings, and
// cancel_at_period_end during the trial ends it with nothing charged.
import { describe, expect, it } from "vitest";
import { emulatedStripe, stripeError } from "./helpers";

const DAY = 86_400;
const START = Date.UTC(2031, 0, 10) / 1000;

async function setup(card: string | null) {
  const { stripe, control } = emulatedStripe();
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START });
  const customer = await stripe.customers.create({ email: "t@example.test", test_clock: clock.id });
  const price = await stripe.prices.create({ unit_amount: 1500, currency: "usd", recurring: { interval: "month" }, product_data: { name: "Pro" } });
  const pm = card ? await stripe.paymentMethods.attach(card, { customer: customer.id }) : null;
  const advance = (days: number) => stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: START + days * DAY });
  const eventTypes = async () => (await control.events()).map((e) => String(e.type));
  return { stripe, control, clock, customer, price, pm, advance, eventTypes };
}

describe("emulated trials", () => {
  it("a trial with a card: trialing, $0 invoice, trial_will_end 3 days before, then the first period is charged", async () => {
    const t = await setup("pm_card_visa");
    const sub = await t.stripe.subscriptions.create({ customer: t.customer.id, items: [{ price: t.price.id }], default_payment_method: t.pm!.id, trial_period_days: 14 });
    expect(sub.status).toBe("trialing");
    expect(sub.trial_start).toBe(START);
    expect(sub.trial_end).toBe(START + 14 * DAY);
    expect(sub.items.data[0]!.current_period_end).toBe(START + 14 * DAY);
    const first = await t.stripe.invoices.retrieve(sub.latest_invoice as string);
    expect([first.status, first.amount_due, first.billing_reason]).toEqual(["paid", 0, "subscription_create"]);

    await t.advance(10);
    expect(await t.eventTypes()).not.toContain("customer.subscription.trial_will_end");
    await t.advance(11);
    const events = await t.control.events();
    const willEnd = events.filter((e) => e.type === "customer.subscription.trial_will_end");
    expect(willEnd).toHaveLength(1);
    await t.advance(15);
    const after = await t.stripe.subscriptions.retrieve(sub.id);
    expect(after.status).toBe("active");
    expect(after.items.data[0]!.current_period_start).toBe(START + 14 * DAY);
    const cycle = await t.stripe.invoices.retrieve(after.latest_invoice as string);
    expect([cycle.status, cycle.amount_paid, cycle.billing_reason]).toEqual(["paid", 1500, "subscription_cycle"]);
    expect((await t.eventTypes()).filter((e) => e === "customer.subscription.trial_will_end")).toHaveLength(1);
  });

  it("without a card the trial ends by trial_settings: cancel, or pause (and a paused subscription bills no more)", async () => {
    const c = await setup(null);
    const canceled = await c.stripe.subscriptions.create({ customer: c.customer.id, items: [{ price: c.price.id }], trial_period_days: 14, trial_settings: { end_behavior: { missing_payment_method: "cancel" } } });
    const p = await setup(null);
    const paused = await p.stripe.subscriptions.create({ customer: p.customer.id, items: [{ price: p.price.id }], trial_period_days: 14, trial_settings: { end_behavior: { missing_payment_method: "pause" } } });
    await c.advance(15);
    await p.advance(80);
    expect((await c.stripe.subscriptions.retrieve(canceled.id)).status).toBe("canceled");
    expect((await p.stripe.subscriptions.retrieve(paused.id)).status).toBe("paused");
    expect(await p.eventTypes()).toContain("customer.subscription.paused");
    for (const t of [c, p]) {
      const invoices = await t.stripe.invoices.list({ customer: t.customer.id });
      expect(invoices.data.map((i) => i.amount_paid)).toEqual([0]);
    }
  });

  it("cancel_at_period_end during a trial ends it at the trial's end with nothing charged", async () => {
    const t = await setup("pm_card_visa");
    const sub = await t.stripe.subscriptions.create({ customer: t.customer.id, items: [{ price: t.price.id }], default_payment_method: t.pm!.id, trial_end: START + 7 * DAY });
    const updated = await t.stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(updated.cancel_at).toBe(START + 7 * DAY);
    await t.advance(40);
    expect((await t.stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
    const invoices = await t.stripe.invoices.list({ customer: t.customer.id });
    expect(invoices.data.map((i) => i.amount_paid)).toEqual([0]);
  });

  it("a trial shorter than three days announces its end at once; bad trial parameters are Stripe's 400s", async () => {
    const t = await setup(null);
    await t.stripe.subscriptions.create({ customer: t.customer.id, items: [{ price: t.price.id }], trial_end: START + 2 * DAY });
    expect(await t.eventTypes()).toContain("customer.subscription.trial_will_end");
    expect((await stripeError(t.stripe.subscriptions.create({ customer: t.customer.id, items: [{ price: t.price.id }], trial_end: START - 10 }))).param).toBe("trial_end");
    expect((await stripeError(t.stripe.subscriptions.create({ customer: t.customer.id, items: [{ price: t.price.id }], trial_period_days: 731 }))).param).toBe("trial_period_days");
    const bad = await stripeError(
      t.stripe.subscriptions.create({ customer: t.customer.id, items: [{ price: t.price.id }], trial_period_days: 3, trial_settings: { end_behavior: { missing_payment_method: "explode" as "cancel" } } }),
    );
    expect(bad.param).toBe("trial_settings[end_behavior][missing_payment_method]");
  });
});

import { describe, expect, it } from "vitest";
import { emulatedStripe } from "./helpers";

describe("smoke", () => {
  it("creates a customer", async () => {
    const { stripe } = emulatedStripe();
    const c = await stripe.customers.create({ email: "a@example.test", metadata: { userId: "usr_1" } });
    expect(c.id).toMatch(/^cus_/);
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", customer: c.id, payment_method: "pm_card_visa", confirm: true });
    expect(pi.status).toBe("succeeded");
  });
});

import { describe, expect, it } from "vitest";
import { insertCourse } from "../marketplace/helpers";
import { Browser, insertUser, jsonBody, signedInAs } from "../helpers";

describe("typed amounts on pages use the one parser", () => {
  it("the admin refund form parses in the payment's currency and explains a bad amount", async () => {
    const owner = await insertUser("instructor");
    const usd = await insertCourse(owner.id, { priceAmount: 2500 });
    const jpy = await insertCourse(owner.id, { priceAmount: 1500, currency: "jpy" });
    const buyer = await signedInAs("student");
    const usdPayment = (await buyer.browser.json("/api/courses/purchase", jsonBody({ courseId: usd.id }))).body.payment.paymentId;
    const jpyPayment = (await buyer.browser.json("/api/courses/purchase", jsonBody({ courseId: jpy.id }))).body.payment.paymentId;
    const admin = await signedInAs("admin");
    const refund = (paymentId: string, amount: string) => admin.browser.submit("/admin/payments", { intent: "refund", paymentId, amount, reason: "typed amount test" });

    const tooPrecise = await refund(usdPayment, "12.505");
    expect(tooPrecise.status).toBe(400);
    expect(await tooPrecise.text()).toContain("USD amounts have at most 2 decimal places");
    const yenDecimals = await refund(jpyPayment, "12.5");
    expect(yenDecimals.status).toBe(400);
    expect(await yenDecimals.text()).toContain("JPY amounts have no decimal places");
    const notANumber = await refund(usdPayment, "1e3");
    expect(notANumber.status).toBe(400);
    expect(await notANumber.text()).toContain("Enter an amount like 12.50");
    // A well-formed amount reaches the refund rules (these payments are not paid yet: 409).
    expect((await refund(usdPayment, "12.50")).status).toBe(409);
    expect((await refund(jpyPayment, "500")).status).toBe(409);
  });

  it("the catalog price filter converts exactly and explains a bad amount", async () => {
    const owner = await insertUser("instructor");
    const tag = crypto.randomUUID().slice(0, 8);
    await insertCourse(owner.id, { priceAmount: 1229, title: `Filter course cheap ${tag}` });
    await insertCourse(owner.id, { priceAmount: 1230, title: `Filter course exact ${tag}` });
    const page = await (await new Browser().fetch(`/courses?q=${tag}&from=12.30`)).text();
    expect(page).toContain(`Filter course exact ${tag}`);
    expect(page).not.toContain(`Filter course cheap ${tag}`);
    const bad = await (await new Browser().fetch(`/courses?q=${tag}&from=12.305`)).text();
    expect(bad).toContain("Enter an amount in dollars");
  });
});

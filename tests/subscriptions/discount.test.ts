import { describe, expect, it } from "vitest";
import { jsonBody, signedInAs } from "../helpers";
import { insertCourse, paymentRow } from "../payments/helpers";
import { clockedLearner, subscribe, syncWebhooks } from "./helpers";

describe("tier discount on course purchases", () => {
  it("a Pro subscriber pays 20% less (rounded in their favour); a Free learner pays the list price", async () => {
    const { course } = await insertCourse({ priceAmount: 4999 });

    const free = await signedInAs("student");
    const full = await free.browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: course.id }));
    expect(full.status).toBe(201);
    expect(full.body.amount).toBe(4999);

    const pro = await clockedLearner();
    expect((await subscribe(pro, "pro")).status).toBeLessThan(300);
    await syncWebhooks();
    const discounted = await pro.browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: course.id }));
    expect(discounted.status).toBe(201);
    expect(discounted.body.amount).toBe(3999); // floor(4999 × 80%) = floor(3999.2): never more than the exact price
    const payment = await paymentRow(discounted.body.paymentId);
    expect(payment!.metadata).toMatchObject({ listPrice: "4999", discountBps: "2000" });
  });
});

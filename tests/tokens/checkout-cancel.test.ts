import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { jsonBody, signedInAs, insertUser } from "../helpers";
import { insertCourse } from "../marketplace/helpers";
import { emulator, paymentRow } from "../payments/helpers";
import { stripe } from "../subscriptions/helpers";
import { credit, wallet } from "./helpers";

const state = async (userId: string) => {
  const s = await wallet(userId).snapshot({ userId, at: Date.now(), timeZone: "UTC" });
  return { balance: s.balance, held: s.held };
};

/** Issue 30: "Cancelling Checkout after using tokens leaves them held, still after the cron." */
describe("coming back from Checkout with 'back' releases the tokens held for the discount at once", () => {
  beforeEach(async () => {
    await emulator().clearFaults();
    // No webhook delivery in this file: the return itself must do it.
    await emulator().configure({ paused: true });
  });
  afterAll(() => emulator().configure({ paused: false }));

  async function startDiscountedCheckout() {
    const instructor = await insertUser("instructor");
    const course = await insertCourse(instructor.id, { priceAmount: 1000 });
    const learner = await signedInAs("student");
    await credit(learner.user.id, 900);
    const res = await learner.browser.json("/api/tokens/redeem", jsonBody({ item: "course_discount", courseId: course.id, tokens: 900 }));
    expect(res.status).toBe(201);
    expect(await state(learner.user.id)).toEqual({ balance: 400, held: 500 });
    return { course, learner, paymentId: res.body.payment.paymentId as string };
  }

  it("the cancel return expires the Checkout Session, cancels the payment and returns the tokens (twice at once: once)", async () => {
    const { course, learner, paymentId } = await startDiscountedCheckout();
    const back = `/courses/${course.slug}?purchase=canceled&payment=${paymentId}`;
    const pages = await Promise.all([learner.browser.fetch(back), learner.browser.fetch(back)]);
    for (const page of pages) {
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Checkout was canceled; nothing was charged.");
    }
    expect(await state(learner.user.id)).toEqual({ balance: 900, held: 0 });
    const row = (await paymentRow(paymentId))!;
    expect(row).toMatchObject({ status: "canceled", failureCode: "checkout_expired" });
    expect((await stripe().checkout.sessions.retrieve(row.stripeCheckoutSessionId!)).status).toBe("expired");
  });

  it("someone else's cancel link changes nothing", async () => {
    const { course, learner, paymentId } = await startDiscountedCheckout();
    const stranger = await signedInAs("student");
    expect((await stranger.browser.fetch(`/courses/${course.slug}?purchase=canceled&payment=${paymentId}`)).status).toBe(200);
    expect(await state(learner.user.id)).toEqual({ balance: 400, held: 500 });
    expect((await paymentRow(paymentId))!.status).toBe("requires_action");
  });

  it("a session paid in another tab is settled as paid, not canceled", async () => {
    const { course, learner, paymentId } = await startDiscountedCheckout();
    const row = (await paymentRow(paymentId))!;
    expect((await emulator().completeCheckout(row.checkoutUrl!)).status).toBe(303);
    const back = await learner.browser.fetch(`/courses/${course.slug}?purchase=canceled&payment=${paymentId}`);
    expect(back.status).toBe(302);
    expect((await paymentRow(paymentId))!.status).toBe("succeeded");
    expect(await state(learner.user.id)).toEqual({ balance: 400, held: 0 });
  });
});

import type { Browser, Page } from "@playwright/test";
import { BASE_URL } from "../playwright.config";
import { DEMO_PASSWORD, expect, signUp, test, uniqueEmail } from "./fixtures";

/*
 * The moments around money (issue 15), at 1280 and 390 px, with JavaScript on and off:
 * - buying a course through Checkout lands the learner in the course with access, no refresh;
 * - upgrading lands on the billing page with the plan and a thank-you shown once;
 * - refund and cancel ask for confirmation (a page section, no JavaScript needed), Back does nothing;
 * - with JavaScript, a money button shows its pending state while its request is in flight and
 *   cannot be pressed twice.
 */

const PAID_COURSE = { slug: "sql-for-analysts-d001", price: "$29.99" };

async function pay(page: Page, name: string) {
  await expect(page).toHaveURL(/\/_stripe\//);
  await page.getByLabel("Name on card").fill(name);
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
}

/** A second signed-in person (the admin) in their own context, with the same JavaScript setting. */
async function adminPage(browser: Browser, js: boolean, width: number) {
  const context = await browser.newContext({ baseURL: BASE_URL, javaScriptEnabled: js, viewport: { width, height: 900 } });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill("admin@coursemint.test");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login/);
  return page;
}

for (const width of [1280, 390]) {
  for (const js of [true, false]) {
    test.describe(`${width} px, JavaScript ${js ? "on" : "off"}`, () => {
      test.use({ viewport: { width, height: 900 }, javaScriptEnabled: js });

      test("buys a course through Checkout and lands in it without refreshing; a refund asks first", async ({ page, browser }) => {
        const name = `Bea Buyer ${width}${js ? "js" : "nojs"}`;
        const email = uniqueEmail("buyer");
        await signUp(page, name, email);
        await page.goto(`/courses/${PAID_COURSE.slug}`);
        await page.getByRole("button", { name: new RegExp(`Buy for \\${PAID_COURSE.price}`) }).click();
        await pay(page, name);

        // Straight into the course, with access and a one-time thank-you; no Buy button.
        await expect(page).toHaveURL(new RegExp(`/courses/${PAID_COURSE.slug}$`));
        await expect(page.getByTestId("enrolled")).toBeVisible();
        await expect(page.getByTestId("purchase-complete")).toContainText("Thank you! Your payment went through");
        await expect(page.getByRole("button", { name: /Buy for/ })).toHaveCount(0);
        await page.reload();
        await expect(page.getByTestId("purchase-complete")).toHaveCount(0);
        await expect(page.getByTestId("enrolled")).toBeVisible();

        // The admin refunds it: the first press only asks; Back changes nothing; Confirm refunds.
        const admin = await adminPage(browser, js, width);
        await admin.goto(`/admin/payments?q=${encodeURIComponent(email)}`);
        const card = admin.getByRole("article", { name: /Payment pay_/ }).first();
        await card.getByLabel("Reason").fill("Changed their mind");
        await card.getByRole("button", { name: "Refund" }).click();
        const step = admin.getByTestId("confirm-step");
        await expect(step).toContainText(`Refund ${PAID_COURSE.price} to ${name}?`);
        await expect(step).toContainText("This cannot be undone.");
        await step.getByRole("link", { name: "Back" }).click();
        await expect(admin.getByTestId("confirm-step")).toHaveCount(0);
        await expect(admin.getByRole("article", { name: /Payment pay_/ }).first()).not.toContainText("refunded");

        await card.getByLabel("Reason").fill("Changed their mind");
        await card.getByRole("button", { name: "Refund" }).click();
        await admin.getByTestId("confirm-step").getByRole("button", { name: `Refund ${PAID_COURSE.price}` }).click();
        await expect(admin.getByRole("status")).toContainText(/(Refunded|Refund pending) \(refund ref_\w+\)/);
        await admin.context().close();
      });

      test("back before the payment is confirmed: a processing state that resolves by itself", async ({ page }) => {
        const name = `Rey Return ${width}${js ? "js" : "nojs"}`;
        await signUp(page, name, uniqueEmail("early"));
        await page.goto(`/courses/${PAID_COURSE.slug}`);
        await page.getByRole("button", { name: /Buy for/ }).click();
        await expect(page).toHaveURL(/\/_stripe\//);
        const checkoutUrl = page.url();
        // The open payment's id, from the learner's history (its link says Details, not Receipt).
        await page.goto("/account/payments");
        const details = page.getByRole("link", { name: "Details" }).first();
        const paymentId = (await details.getAttribute("href"))!.split("/").pop();
        await expect(page.getByRole("link", { name: "Receipt" })).toHaveCount(0);

        // As if the success redirect came before Stripe had the money: "confirming", no Buy button.
        await page.goto(`/courses/${PAID_COURSE.slug}?purchase=success&payment=${paymentId}`);
        await expect(page.getByTestId("checkout-processing")).toContainText("confirming it with your bank");
        await expect(page.getByRole("button", { name: /Buy for/ })).toHaveCount(0);

        // It is paid in another tab; this one resolves on its own (meta refresh or revalidation).
        const other = await page.context().newPage();
        await other.goto(checkoutUrl);
        await pay(other, name);
        await expect(other.getByTestId("enrolled")).toBeVisible();
        await other.close();
        await expect(page.getByTestId("enrolled")).toBeVisible({ timeout: 15_000 });
        await expect(page).toHaveURL(new RegExp(`/courses/${PAID_COURSE.slug}$`));
      });

      test("upgrades through Checkout, lands on the plan; canceling asks first and the thank-you never sticks", async ({ page }) => {
        const name = `Pat Plan ${width}${js ? "js" : "nojs"}`;
        await signUp(page, name, uniqueEmail("plan"));
        await page.goto("/pricing");
        await page.getByTestId("tier-pro").getByRole("button", { name: "Upgrade to Pro" }).click();
        await pay(page, name);

        await expect(page).toHaveURL(/\/account\/billing$/);
        await expect(page.getByTestId("current-plan")).toHaveText("Pro (monthly)");
        await expect(page.getByTestId("subscription-paid")).toContainText("Thank you! Your payment went through");

        await page.getByRole("button", { name: "Cancel subscription" }).click();
        const step = page.getByTestId("confirm-step");
        await expect(step).toContainText("Cancel your Pro (monthly) subscription?");
        await expect(page.getByText("Thank you! Your payment went through")).toHaveCount(0);
        await step.getByRole("link", { name: "Back" }).click();
        await expect(page.getByTestId("confirm-step")).toHaveCount(0);
        await expect(page.getByTestId("plan-status")).not.toHaveText("Cancels at period end");

        await page.getByRole("button", { name: "Cancel subscription" }).click();
        await page.getByTestId("confirm-step").getByRole("button", { name: "Cancel subscription" }).click();
        await expect(page.getByRole("status")).toContainText("Your subscription will end on");
        await expect(page.getByTestId("plan-status")).toHaveText("Cancels at period end");
        await expect(page.getByText("Thank you! Your payment went through")).toHaveCount(0);
      });
    });
  }

  for (const js of [true, false]) {
    test.describe(`${width} px, JavaScript ${js ? "on" : "off"}: errors`, () => {
      test.use({ viewport: { width, height: 900 }, javaScriptEnabled: js });
      test("after a rejected form, focus is on the error, not the page body", async ({ page }) => {
        await page.goto("/login");
        await page.getByLabel("Email").fill("nobody@example.test");
        await page.getByLabel("Password").fill("not-the-password");
        await page.getByRole("button", { name: "Log in" }).click();
        const alert = page.getByRole("alert").filter({ hasText: /./ }).first();
        await expect(alert).toBeVisible();
        await expect(alert).toBeFocused();
      });
    });
  }

  test.describe(`${width} px, JavaScript on: pending state`, () => {
    test.use({ viewport: { width, height: 900 } });

    test("the Buy button says it is working while its request is in flight and cannot be pressed twice", async ({ page }) => {
      await signUp(page, "Penny Pending", uniqueEmail("pending"));
      await page.goto(`/courses/${PAID_COURSE.slug}`);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let posts = 0;
      await page.route(`**/courses/${PAID_COURSE.slug}*`, async (route) => {
        if (route.request().method() !== "POST") return route.continue();
        posts++;
        await held;
        await route.continue();
      });
      const buy = page.getByRole("button", { name: /Buy for|Going to checkout/ });
      await buy.click();
      await expect(buy).toHaveAttribute("aria-busy", "true");
      await expect(buy).toHaveAttribute("aria-disabled", "true");
      await expect(buy).toHaveText("Going to checkout…");
      await buy.click({ force: true }); // a second press while pending sends nothing
      expect(posts).toBe(1);
      release();
      await expect(page).toHaveURL(/\/_stripe\//);
      expect(posts).toBe(1);
    });
  });
}

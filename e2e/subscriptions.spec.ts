import { expect, signUp, test, uniqueEmail } from "./fixtures";

/*
 * A Free learner upgrades to Pro through Stripe Checkout (the emulator's hosted page), sees Pro
 * features unlocked and the confirmation in the local mailbox, then cancels.
 */
test("a Free learner upgrades to Pro through Checkout, gets Pro features and the receipt, then cancels", async ({ page }) => {
  const email = uniqueEmail("pro");
  await signUp(page, "Pat Pro", email);

  // Free: the Pro feature is locked, with an upgrade link.
  await page.goto("/certificates");
  await expect(page.getByTestId("feature-locked")).toBeVisible();
  await page.getByRole("link", { name: "Upgrade to Pro" }).click();
  await expect(page).toHaveURL(/\/pricing\?feature=certificates/);
  await expect(page.getByText("is included in Pro and above")).toBeVisible();

  // Upgrade through the hosted Checkout page.
  const pro = page.getByTestId("tier-pro");
  await pro.getByLabel("Monthly").check();
  await pro.getByRole("button", { name: "Upgrade to Pro" }).click();
  await expect(page).toHaveURL(/\/_stripe\//);
  await page.getByLabel("Name on card").fill("Pat Pro");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  // Back from Checkout the subscription is settled on arrival (the webhook's own path), then the
  // clean billing URL shows the plan and a one-time thank-you.
  await page.waitForURL(/\/account\/billing$/);
  await expect(page.getByTestId("current-plan")).toHaveText("Pro (monthly)");
  await expect(page.getByTestId("subscription-paid")).toContainText("Thank you! Your payment went through");
  await expect(page.getByTestId("feature-certificates")).toHaveAttribute("data-unlocked", "true");
  await expect(page.getByTestId("feature-white_label")).toHaveAttribute("data-unlocked", "false");
  await expect(page.getByTestId("renewal-date").locator("time")).toHaveAttribute("datetime", /^\d{4}-\d{2}-\d{2}T/);
  await expect(page.getByRole("cell", { name: "$15.00" }).first()).toBeVisible();
  await page.goto("/certificates");
  await expect(page.getByTestId("feature-unlocked")).toBeVisible();

  // The confirmation is in the local mailbox.
  await expect(async () => {
    await page.goto(`/dev/mailbox?to=${encodeURIComponent(email)}`);
    await expect(page.getByText(/receipt for Coursemint Pro \(monthly\)/).first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });

  // Cancel at period end: access is kept until then.
  await page.goto("/account/billing");
  await expect(page.getByTestId("subscription-paid")).toHaveCount(0); // shown once, not sticky
  await page.getByRole("button", { name: "Cancel subscription" }).click();
  // It asks first.
  const step = page.getByTestId("confirm-step");
  await expect(step).toContainText("Cancel your Pro (monthly) subscription?");
  await step.getByRole("button", { name: "Cancel subscription" }).click();
  await expect(page.getByRole("status")).toContainText("Your subscription will end on");
  await expect(page.getByText("Thank you! Your payment went through")).toHaveCount(0);
  await expect(page.getByTestId("plan-status")).toHaveText("Cancels at period end");
  await expect(page.getByTestId("feature-certificates")).toHaveAttribute("data-unlocked", "true");
  await expect(page.getByRole("button", { name: "Resume subscription" })).toBeVisible();
});

import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, signUp, test, uniqueEmail } from "./fixtures";

/*
 * A Free learner starts Pro's 14-day free trial from the pricing page without a card: Pro's
 * features unlock, billing says when it ends, that no card is on file and what happens then, and
 * the pricing page no longer offers a second trial (and says why). Both pages are axe-clean.
 * (The reminder, the end and the conversion under a test clock: tests/subscriptions/trials.test.ts.)
 */
async function axeClean(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`);
  expect(bad, page.url()).toEqual([]);
}

test("a learner starts a free trial without a card and sees when it ends and what happens then", async ({ page }) => {
  const email = uniqueEmail("trial");
  await signUp(page, "Tess Trial", email);

  await page.goto("/pricing");
  const pro = page.getByTestId("tier-pro");
  await expect(pro.getByTestId("trial-pro")).toContainText("Try it free for 14 days, no card needed");
  await axeClean(page);
  await pro.getByLabel("Monthly").check();
  await pro.getByRole("button", { name: "Start a 14-day free trial" }).click();

  await page.waitForURL(/\/account\/billing$/);
  await expect(page.getByTestId("current-plan")).toHaveText("Pro (monthly)");
  await expect(page.getByTestId("plan-status")).toHaveText("Trial");
  await expect(page.getByTestId("trial-end")).toContainText(/\d{4}/);
  await expect(page.getByTestId("trial-card")).toHaveText("No card on file");
  await expect(page.getByTestId("trial-at-end")).toHaveText("Nothing is charged: without a card your Pro trial ends and you move to Free.");
  await expect(page.getByTestId("feature-certificates")).toHaveAttribute("data-unlocked", "true");
  await expect(page.getByRole("heading", { name: "Change plan" })).toHaveCount(0);
  await axeClean(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await axeClean(page);
  await page.setViewportSize({ width: 1280, height: 800 });

  // Nothing was charged: no receipt in the mailbox.
  await page.goto(`/dev/mailbox?to=${encodeURIComponent(email)}`);
  await expect(page.getByText(/receipt for Coursemint Pro/)).toHaveCount(0);

  // Cancel during the trial: it asks first and says nothing is charged.
  await page.goto("/account/billing");
  await page.getByRole("button", { name: "Cancel subscription" }).click();
  const step = page.getByTestId("confirm-step");
  await expect(step).toContainText("Nothing is charged, now or then.");
  await step.getByRole("button", { name: "Cancel subscription" }).click();
  await expect(page.getByRole("status")).toContainText("Your free trial will end on");
  await expect(page.getByTestId("trial-at-end")).toHaveText("Your subscription ends and you move to Free. Nothing is charged.");
});

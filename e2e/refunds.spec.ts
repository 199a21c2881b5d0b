import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, logIn, signUp, test, uniqueEmail } from "./fixtures";

/** axe-core's serious and critical WCAG 2.1 A/AA findings on the current page (as e2e/a11y.spec.ts counts them). */
async function axeFindings(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Buys a demo course through Checkout (the emulator's hosted page) and lands in it, enrolled. */
async function buy(page: Page, slug: string, price: string) {
  await page.goto(`/courses/${slug}`);
  await expect(page.getByTestId("refund-policy")).toContainText("30-day refunds");
  await page.getByRole("button", { name: new RegExp(`Buy for \\${price}`) }).click();
  await page.getByLabel("Name on card").fill("Rita Refund");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByTestId("enrolled")).toBeVisible();
}

test.setTimeout(150_000);

test("a learner refunds themselves within the window, and is refused after completing the course (then an admin reviews it)", async ({ page }) => {
  await signUp(page, "Rita Refund", uniqueEmail("refund"));

  // Within the window, nothing completed: granted at once, after a confirmation step.
  await buy(page, "strength-training-at-home-d010", "$15.00");
  const panel = page.getByTestId("refund-request");
  await expect(panel).toContainText("You can ask for a refund of $15.00 until");
  await page.getByLabel("Why are you asking? (optional)").fill("I bought the wrong course");
  await panel.getByRole("button", { name: "Ask for a refund" }).click();
  await expect(page.getByTestId("confirm-step")).toContainText("Ask for a refund of $15.00?");
  await page.waitForLoadState("networkidle");
  await page.getByRole("button", { name: "Ask for $15.00 back" }).click();
  await expect(page.getByText("Refunded: $15.00 goes back to your card. Your access to the course has ended.")).toBeVisible();
  await expect(page.getByTestId("refund-request-status")).toHaveText("Refund granted");
  await expect(page.getByTestId("enrolled")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Buy for \$15\.00/ })).toBeVisible();

  // Another course, completed: the policy refuses (certificate), the learner sends it to review.
  await buy(page, "business-german-d008", "$19.99");
  const coursePath = new URL(page.url()).pathname;
  for (const name of ["Course notes and first exercise", "Welcome slides (PDF)", "Practice and next steps"]) {
    await page.goto(coursePath);
    await page.getByRole("link", { name }).click();
    await page.getByRole("button", { name: "Mark as complete" }).click();
    await expect(page.getByTestId("module-done")).toBeVisible();
  }
  await expect(page.getByText("Course completed — congratulations!")).toBeVisible();
  await page.goto(coursePath);
  await page.waitForLoadState("networkidle");
  await page.getByTestId("refund-request").getByRole("button", { name: "Ask for a refund" }).click();
  await expect(page.getByTestId("confirm-step")).toContainText("Ask for a refund of $19.99?");
  await page.waitForLoadState("networkidle");
  await page.getByRole("button", { name: "Ask for $19.99 back" }).click();
  await expect(page.getByTestId("refund-request-status")).toHaveText("Not granted automatically");
  await expect(page.getByTestId("refund-refusal")).toHaveText("You completed the course and earned its certificate of completion.");
  await expect(page.getByTestId("enrolled")).toBeVisible();

  // Readable at phone width, and no serious axe finding on the course page or the receipt.
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await axeFindings(page)).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.getByLabel("Anything our team should know (optional)").fill("The audio of module 2 was broken");
  await page.getByRole("button", { name: "Send to our team for review" }).click();
  await expect(page.getByText("Sent to our team for review. We will reply by email.")).toBeVisible();
  await expect(page.getByTestId("refund-request-status")).toHaveText("Waiting for review");
  await page.goto("/account/payments");
  await page.getByRole("link", { name: "Receipt for Course: Business German" }).first().click();
  await expect(page.getByTestId("refund-request-status")).toHaveText("Waiting for review");
  await expect(page.getByTestId("refund-policy")).toBeVisible();
  expect(await axeFindings(page)).toEqual([]);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole("button", { name: "Log out" }).click();

  // The admin sees why it was refused and declines with a note; the learner's page shows it.
  await logIn(page, "admin@coursemint.test");
  await page.goto("/admin/refund-requests");
  const row = page.getByTestId("refund-request-row").filter({ hasText: "Rita Refund" }).first();
  await expect(row.getByTestId("refund-request-reason")).toHaveText("You completed the course and earned its certificate of completion.");
  await expect(row).toContainText("The audio of module 2 was broken");
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await axeFindings(page)).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1280, height: 800 });
  await row.getByLabel("Note to the learner (required to decline)").fill("Module 2 plays fine; support can help with your audio settings.");
  await row.getByRole("button", { name: "Decline" }).click();
  await expect(page.getByText("Declined; the learner gets an email with your note.")).toBeVisible();
});

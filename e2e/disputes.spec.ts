import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "@playwright/test";
import { expect, logIn, signUp, test, uniqueEmail } from "./fixtures";

// Chargebacks end to end, against the emulator's dispute test card (4000 0000 0000 0259): the
// dispute opens right after the charge (the emulator's next push delivery), the learner's access
// pauses, an admin prepares evidence from our records and submits it; Stripe's test evidence
// `winning_evidence` wins (access is back), `losing_evidence` loses (the instructor's dashboard
// shows the sale reversed).

const COURSE = "SQL for Analysts"; // a seeded demo course of instructor@coursemint.test

/** A new learner buys the course through Checkout with the dispute card and lands in it. */
async function buyWithDisputeCard(page: Page, name: string) {
  const email = uniqueEmail("disputer");
  await signUp(page, name, email);
  await page.goto("/courses");
  await page.getByRole("link", { name: COURSE }).first().click();
  await expect(page).toHaveURL(/\/courses\/[^/?]+$/);
  const courseUrl = page.url();
  await page.getByRole("button", { name: /Buy for/ }).click();
  await page.getByLabel("Name on card").fill(name);
  await page.getByLabel("Card number").fill("4000 0000 0000 0259");
  await page.getByRole("button", { name: "Pay" }).click();
  // Back on the course page (the thank-you, or already the pause if the dispute was quicker).
  await expect(page.getByTestId("purchase-complete").or(page.getByTestId("access-paused"))).toBeVisible();
  // The bank opens the dispute shortly after: the page says access is paused.
  await expect(async () => {
    await page.goto(courseUrl);
    await expect(page.getByTestId("access-paused")).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId("enrolled")).toHaveCount(0);
  return { email, courseUrl };
}

/** An admin (in another browser) prepares the evidence of the learner's dispute and submits it with `text` added. */
async function submitEvidence(browser: Browser, learnerEmail: string, text: string) {
  const context = await browser.newContext();
  const admin = await context.newPage();
  await logIn(admin, "admin@coursemint.test");
  await admin.goto("/admin/disputes");
  const card = admin.getByTestId("dispute").filter({ hasText: learnerEmail });
  await expect(card).toBeVisible();
  await expect(card).toContainText("Response needed");
  await expect(card).toContainText("Fraudulent");
  await expect(card.getByTestId("countdown")).toContainText(/days? .*left/);
  const axe = await new AxeBuilder({ page: admin }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  await card.getByRole("link", { name: "Prepare evidence" }).click();
  const form = admin.getByRole("form", { name: "Evidence for the bank" });
  await expect(form.getByLabel("Customer email address")).toHaveValue(learnerEmail);
  await expect(form.getByLabel("Refund policy and how it was shown")).toHaveValue(/refund policy/);
  const receipt = form.getByLabel("Receipt and other facts");
  await expect(receipt).toHaveValue(/Receipt pay_/);
  await receipt.fill(`${await receipt.inputValue()}\n${text}`);
  const formAxe = await new AxeBuilder({ page: admin }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  expect(formAxe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await form.getByRole("button", { name: "Submit evidence" }).click();
  // Submitting is final: the page asks first.
  const confirm = admin.getByTestId("confirm-step");
  await expect(confirm).toContainText("Submit this evidence");
  await confirm.getByRole("button", { name: "Submit evidence" }).click();
  await expect(admin.locator(".alert.success")).toContainText(text === "winning_evidence" ? "decided in our favour" : "dispute is lost");
  await context.close();
}

test("a learner's chargeback pauses access; winning evidence from our records brings it back", async ({ page, browser }) => {
  const { courseUrl, email } = await buyWithDisputeCard(page, "Dana Disputer");
  await submitEvidence(browser, email, "winning_evidence");
  await page.goto(courseUrl);
  await expect(page.getByTestId("enrolled")).toBeVisible();
  await expect(page.getByTestId("access-paused")).toHaveCount(0);
});

test("a lost dispute ends access and the instructor's earnings show the sale reversed", async ({ page, browser }) => {
  const { courseUrl, email } = await buyWithDisputeCard(page, "Lou Loser");
  // While it is open, the instructor sees the earning frozen.
  const instructorContext = await browser.newContext();
  const instructor = await instructorContext.newPage();
  await logIn(instructor, "instructor@coursemint.test");
  await instructor.goto("/instructor");
  const disputed = instructor.getByRole("table", { name: "Disputed sales" });
  await expect(disputed).toContainText(COURSE);
  await expect(disputed).toContainText("Frozen until the bank decides");

  await submitEvidence(browser, email, "losing_evidence");
  await page.goto(courseUrl);
  await expect(page.getByTestId("enrolled")).toHaveCount(0);
  await expect(page.getByTestId("access-paused")).toHaveCount(0);

  await instructor.goto("/instructor");
  await expect(instructor.getByRole("table", { name: "Disputed sales" })).toContainText("Reversed: the bank decided for the learner");
  const axe = await new AxeBuilder({ page: instructor }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await instructorContext.close();
});

import { expect, signUp, test, uniqueEmail } from "./fixtures";

test("a learner completes a course, sees tokens and the streak, spends tokens at checkout and appears on the leaderboard", async ({ page }) => {
  const name = `Toki Learner ${Date.now().toString(36)}`;
  await signUp(page, name, uniqueEmail("tokens"));

  // Enroll in a free demo course and complete every module.
  await page.goto("/courses?q=Watercolor");
  await page.getByRole("link", { name: "Watercolor Basics" }).click();
  await page.getByRole("button", { name: "Enroll for free" }).click();
  await expect(page.getByTestId("enrolled")).toBeVisible();
  const modules = await page.locator(".modules a[href*='/learn/']").evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).getAttribute("href")!));
  expect(modules.length).toBeGreaterThan(0);
  for (const href of modules) {
    await page.goto(href);
    await page.getByRole("button", { name: "Mark as complete" }).click();
    await expect(page.getByText(/Module marked complete|Course completed — congratulations!/)).toBeVisible();
  }
  await expect(page.getByText("Course completed — congratulations!")).toBeVisible();

  // Tokens and the streak: beginner course 100 + 10 per module; a one-day streak.
  const earned = 100 + 10 * modules.length;
  await page.getByTestId("nav-tokens").click();
  await expect(page).toHaveURL(/\/wallet/);
  await expect(page.getByTestId("token-balance")).toHaveText(earned.toLocaleString("en-US"));
  await expect(page.getByTestId("streak")).toHaveText("1 day");
  await expect(page.getByText("You learned today.")).toBeVisible();
  await expect(page.getByTestId("token-history")).toContainText('Completed "Watercolor Basics"');
  await expect(page.getByTestId("token-history")).toContainText("Earned");

  // Spend tokens on a discount at checkout: Business German, $19.99.
  await page.goto("/courses?q=German");
  await page.getByRole("link", { name: "Business German" }).click();
  const tokensField = page.getByTestId("checkout-tokens");
  await expect(tokensField).toBeVisible();
  const spend = Math.min(earned, 999); // at most half of $19.99
  await tokensField.fill(String(spend));
  await page.getByRole("button", { name: /Buy for \$19\.99/ }).click();
  await page.getByLabel("Name on card").fill(name);
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  // Back from Checkout the page fulfils the purchase itself (or shows a processing state that
  // resolves on its own): the learner lands in the course without reloading.
  await expect(page.getByTestId("enrolled")).toBeVisible({ timeout: 30_000 });
  const paid = 1999 - spend;
  await page.goto("/account/payments");
  await expect(page.getByRole("row", { name: /Business German/ })).toContainText(`$${(paid / 100).toFixed(2)}`);
  await page.goto("/wallet");
  await expect(page.getByTestId("token-balance")).toHaveText((earned - spend).toLocaleString("en-US"));
  await expect(page.getByTestId("token-history")).toContainText("Discount on a course purchase");

  // The leaderboard: this week's board lists the learner with what they earned.
  await page.getByRole("link", { name: "Leaderboard" }).first().click();
  await expect(page.getByTestId("leaderboard").getByRole("row", { name: new RegExp(`${name} \\(you\\)`) })).toContainText(String(earned));
  await page.getByRole("link", { name: "All time" }).click();
  await expect(page.getByTestId("leaderboard")).toContainText(name);
});

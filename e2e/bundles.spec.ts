import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "@playwright/test";
import { BASE_URL } from "../playwright.config";
import { DEMO_PASSWORD, expect, signUp, test, uniqueEmail } from "./fixtures";

/*
 * Bundles (issue 26): the demo instructor bundles three of their courses at $79.99 (list prices
 * $29.99, $59.00 and $19.99: shares $22.01, $43.31 and $14.67); a learner who already owns
 * "SQL for Analysts" sees its share taken off, pays $57.98 through the emulator's Checkout and lands
 * with all three courses enrolled. At 1280 and 390 px; axe on the bundle page.
 */

const COURSES = ["SQL for Analysts", "Python for Data Science", "Business German"];

async function pay(page: Page, name: string) {
  await expect(page).toHaveURL(/\/_stripe\//);
  await page.getByLabel("Name on card").fill(name);
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
}

async function instructorMakesBundle(browser: Browser, width: number, title: string) {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport: { width, height: 900 } });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill("instructor@coursemint.test");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login/);
  await page.goto("/instructor/bundles");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Description").fill("Query, analyse and present data, with business German for the meetings.");
  await page.getByLabel(/Bundle price/).fill("79.99");
  for (const [i, course] of COURSES.entries()) {
    await page.getByLabel(new RegExp(`^${course} ·`)).check();
    await page.getByLabel(`Position of ${course}`).fill(String(i + 1));
  }
  await page.getByRole("button", { name: "Create the bundle" }).click();
  await expect(page.getByText("The bundle was created as a draft")).toBeVisible();
  await page.getByTestId("bundle-publish").click();
  await expect(page.getByText("The bundle is published")).toBeVisible();
  const href = await page.getByRole("link", { name: "View the bundle page" }).getAttribute("href");
  await context.close();
  return href!;
}

for (const width of [1280, 390]) {
  test.describe(`${width} px`, () => {
    test.use({ viewport: { width, height: 900 } });

    test("buys a bundle with one course already owned: the reduced price, Checkout, every course enrolled", async ({ page, browser }) => {
      const bundlePath = await instructorMakesBundle(browser, width, `Data and German bundle ${width}`);
      const name = `Bo Bundler ${width}`;
      await signUp(page, name, uniqueEmail("bundle"));

      // Own the first course.
      await page.goto("/courses/sql-for-analysts-d001");
      await page.getByRole("button", { name: /Buy for \$29\.99/ }).click();
      await pay(page, name);
      await expect(page.getByTestId("enrolled")).toBeVisible();

      // The bundle page says what is owned and what is left to pay.
      await page.goto(bundlePath);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Data and German bundle ${width}`);
      await expect(page.getByTestId("bundle-price")).toHaveText("$79.99");
      await expect(page.getByTestId("bundle-courses").getByRole("listitem")).toHaveCount(3);
      await expect(page.getByTestId("bundle-owned-credit")).toContainText("You already own “SQL for Analysts” — you pay $57.98");
      await expect(page.getByTestId("bundle-owned-credit")).toContainText("$22.01 off");
      const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
      expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(scroll).toBeLessThanOrEqual(0);

      await page.getByTestId("bundle-buy").click();
      await pay(page, name);
      await expect(page).toHaveURL(new RegExp(`${bundlePath}$`));
      await expect(page.getByTestId("bundle-purchase-complete")).toContainText("every course of the bundle is yours");
      await expect(page.getByTestId("bundle-all-owned")).toBeVisible();
      await expect(page.getByTestId("bundle-buy")).toHaveCount(0);

      await page.goto("/learning");
      for (const course of COURSES) await expect(page.getByTestId("learning-list")).toContainText(course);
    });
  });
}

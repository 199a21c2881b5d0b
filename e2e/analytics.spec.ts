import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, logIn, signUp, test, uniqueEmail } from "./fixtures";

/** axe-core's serious and critical WCAG 2.1 A/AA findings on the current page (as e2e/a11y.spec.ts counts them). */
async function axeFindings(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** The cells of a report table, row by row (header included). */
const tableCells = (page: Page, id: string) =>
  page.getByTestId(`revenue-table-${id}`).evaluate((t) => [...t.querySelectorAll("tr")].map((r) => [...r.querySelectorAll("th, td")].map((c) => c.textContent ?? "")));

const parseCsv = (text: string) =>
  text
    .trim()
    .split("\r\n")
    .map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].slice(0, -1).map((m) => (m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!)));

test.setTimeout(150_000);

test("the revenue dashboard: a sale shows up, readable at 1280 and 390 px, axe clean, charts without JavaScript, CSV as the tables", async ({ page, browser }) => {
  // A learner buys a demo course through Checkout: the rollups count it.
  await signUp(page, "Rhea Revenue", uniqueEmail("revenue"));
  await page.goto("/courses/strength-training-at-home-d010");
  await page.getByRole("button", { name: /Buy for \$15\.00/ }).click();
  await page.getByLabel("Name on card").fill("Rhea Revenue");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByTestId("enrolled")).toBeVisible();
  await page.context().clearCookies();

  await logIn(page, "admin@coursemint.test");
  for (const size of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(size);
    await page.goto("/admin/revenue");
    await expect(page.getByRole("heading", { name: "Revenue", level: 1 })).toBeVisible();
    await expect(page.getByTestId("revenue-totals")).toContainText("$15.00");
    await expect(page.getByTestId("revenue-chart").locator("svg:visible")).toHaveCount(1);
    await expect(page.getByTestId("revenue-table-courses")).toContainText("Strength Training at Home");
    expect(await axeFindings(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(size.width);
    await page.screenshot({ path: `docs/screenshots/admin-revenue-${size.width}.png`, fullPage: true });
  }

  // Each CSV download holds exactly the rows of the table it mirrors.
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const id of ["series", "courses", "instructors", "purposes"]) {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId(`revenue-csv-${id}`).click()]);
    const file = await download.path();
    const text = (await import("node:fs")).readFileSync(file!, "utf8");
    expect(parseCsv(text)).toEqual(await tableCells(page, id));
  }

  // Without JavaScript the charts are still there: they are SVG drawn on the server.
  const noJs = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const plain = await noJs.newPage();
  await plain.goto("/admin/revenue?period=week");
  await expect(plain.getByTestId("revenue-chart").locator("svg")).toHaveCount(2);
  await expect(plain.getByTestId("revenue-chart").locator("svg title").first()).toContainText("Revenue per week in USD");
  await expect(plain.getByTestId("revenue-chart").locator("svg rect.bar-available").first()).toBeAttached();
  await noJs.close();

  // The audit log links people to their page.
  await page.goto("/admin/audit");
  await expect(page.getByTestId("audit-log")).toBeVisible();
  expect(await axeFindings(page)).toEqual([]);
});

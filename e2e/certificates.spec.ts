import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, signUp, test, uniqueEmail } from "./fixtures";

/** Serious or critical axe-core violations (WCAG 2.1 A/AA and best practices), as in e2e/a11y.spec.ts. */
async function axeViolations(page: Page, at: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${at}: ${v.id} (${v.nodes.length})`);
}

/*
 * The certificate and download perks, as a new learner meets them: on Free a finished course says
 * certificates are a Pro perk and module files view but do not download; after upgrading to Pro
 * through Checkout, My learning downloads the certificate PDF, the module offers its file for
 * download, and the certificate's verification page says it is genuine to someone logged out.
 */
const COURSE = { slug: "mindful-productivity-d009", title: "Mindful Productivity" };
const moduleId = (m: number) => `mod_000000000000000000000009${m}d`;

test("Free: certificate is a Pro perk and files do not download; Pro: PDF certificate, verified while logged out, and downloads", async ({ page, browser }) => {
  const email = uniqueEmail("certificate");
  await signUp(page, "Cora Certified", email);

  await page.goto(`/courses/${COURSE.slug}`);
  await page.getByRole("button", { name: "Enroll for free" }).click();
  await expect(page.getByText("You are enrolled")).toBeVisible();

  // Free: each module views in the page; the download line says why it is locked.
  for (const m of [0, 1, 2]) {
    await page.goto(`/courses/${COURSE.slug}/learn/${moduleId(m)}`);
    await expect(page.getByTestId("download-locked")).toContainText("Download course files for offline study is a Pro perk.");
    await expect(page.getByTestId("module-download")).toHaveCount(0);
    if (m === 1) await expect(page.getByTestId("module-pdf")).toBeVisible();
    await page.getByRole("button", { name: "Mark as complete" }).click();
    await expect(page.getByTestId("module-done")).toBeVisible();
  }

  await page.goto("/learning");
  const card = page.getByTestId("learning-course").filter({ hasText: COURSE.title });
  await expect(card.getByTestId("certificate-locked")).toContainText("Certificates of completion are a Pro perk.");
  const violations = await axeViolations(page, "/learning (Free, completed)");
  await expect(card.getByTestId("certificate-link")).toHaveCount(0);
  await card.getByRole("link", { name: /^Upgrade to Pro/ }).click();
  await expect(page).toHaveURL(/\/pricing\?feature=certificates/);

  // Upgrade through the hosted Checkout page.
  const pro = page.getByTestId("tier-pro");
  await pro.getByLabel("Monthly").check();
  await pro.getByRole("button", { name: "Upgrade to Pro" }).click();
  await expect(page).toHaveURL(/\/_stripe\//);
  await page.getByLabel("Name on card").fill("Cora Certified");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  await page.waitForURL(/\/account\/billing$/);
  await expect(page.getByTestId("current-plan")).toHaveText("Pro (monthly)");

  // Pro: My learning downloads the certificate as a PDF.
  await page.goto("/learning");
  const link = page.getByTestId("learning-course").filter({ hasText: COURSE.title }).getByTestId("certificate-link");
  await expect(link).toContainText("Download certificate (PDF)");
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  expect(download.suggestedFilename()).toBe(`coursemint-certificate-${COURSE.slug}.pdf`);
  const bytes = await (await import("node:fs/promises")).readFile((await download.path())!);
  expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");

  // The certificates page, in words, with the code and the verification page.
  await page.goto("/certificates");
  const cert = page.getByTestId("certificate").filter({ hasText: COURSE.title });
  await expect(cert).toContainText("Taught by");
  await expect(cert.getByText("Valid", { exact: true })).toBeVisible();
  const code = (await cert.getByTestId("certificate-code").textContent())!.trim();
  expect(code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
  const verifyPath = await cert.getByTestId("certificate-verify").getAttribute("href");
  expect(verifyPath).toBe(`/certificates/verify/${code}`);
  violations.push(...(await axeViolations(page, "/certificates")));

  // An employer, logged out, opens the link; then types a wrong code into the form.
  const employer = await browser.newContext();
  const other = await employer.newPage();
  await other.goto(verifyPath!);
  await expect(other.getByText("This is a genuine Coursemint certificate of completion.")).toBeVisible();
  await expect(other.getByRole("heading", { name: "Cora Certified", level: 1 })).toBeVisible();
  await expect(other.getByText(COURSE.title)).toBeVisible();
  violations.push(...(await axeViolations(other, "/certificates/verify/:code")));
  await other.setViewportSize({ width: 390, height: 844 });
  violations.push(...(await axeViolations(other, "/certificates/verify/:code at 390 px")));
  const overflow = await other.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, "the verification page is wider than a phone").toBeLessThanOrEqual(0);
  await other.goto("/certificates/verify");
  const wrong = code.slice(0, -1) + (code.endsWith("0") ? "1" : "0");
  await other.getByLabel("Certificate code").fill(wrong.toLowerCase());
  await other.getByRole("button", { name: "Check" }).click();
  await expect(other.getByRole("heading", { name: "Certificate not found", level: 1 })).toBeVisible();
  violations.push(...(await axeViolations(other, "/certificates/verify/:wrong")));
  await employer.close();

  // Pro: the module offers its file for download.
  await page.goto(`/courses/${COURSE.slug}/learn/${moduleId(1)}`);
  await expect(page.getByTestId("download-locked")).toHaveCount(0);
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByTestId("module-download").click()]);
  expect(file.suggestedFilename()).toBe("welcome.pdf");
  violations.push(...(await axeViolations(page, "module page (Pro)")));
  expect(violations).toEqual([]);
});

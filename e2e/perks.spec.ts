import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { emailedLink, expect, signUp, test, uniqueEmail, watchCsp } from "./fixtures";

/*
 * Issue 24, as a new Enterprise customer meets it: a buyer pays for Enterprise through Checkout,
 * brands the organization and invites a colleague by email; the colleague signs up from the link
 * and accepts. On fresh page loads at 1280 and 390 px the member sees the organization's colours
 * (from the same-origin theme stylesheet, under the CSP), its name in the header (not pushed under
 * the phone Menu) and in the page title, and the member price; they finish a course, download the
 * certificate PDF, and an employer verifies it while logged out. No CSP violation anywhere (the
 * member's and the employer's pages are watched too); axe-core on the branded pages.
 */

const BRAND = { name: "Northwind Academy", main: "#7a1f5c", accent: "#1d3557" };
const PAID = { slug: "kubernetes-in-production-d002", list: "$79.00", member: "$55.30" }; // Enterprise: 30 % off
const FREE = { slug: "mindful-productivity-d009", title: "Mindful Productivity" };
const moduleId = (m: number) => `mod_000000000000000000000009${m}d`;
const PASSWORD = "e2e-password-9";

async function axeViolations(page: Page, at: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${at}: ${v.id} (${v.nodes.length})`);
}

/** The white-label as a fresh load of `path` shows it: colours, header brand, title. */
async function expectBranded(page: Page, path: string, width: number) {
  await page.setViewportSize({ width, height: width > 640 ? 800 : 844 });
  await page.goto(path);
  const vars = await page.evaluate(() => {
    const style = getComputedStyle(document.documentElement);
    return { mint: style.getPropertyValue("--mint").trim(), accent: style.getPropertyValue("--brand-accent").trim() };
  });
  expect(vars, `${path} at ${width}`).toEqual({ mint: BRAND.main, accent: BRAND.accent });
  const brand = page.getByTestId("brand");
  await expect(brand).toContainText(BRAND.name);
  await expect(brand).toBeVisible();
  // The name is all on screen and nothing (the phone Menu) sits on top of it.
  const box = (await brand.locator(".brand-name").boundingBox())!;
  expect(box.x + box.width, `${path} at ${width}: brand past the edge`).toBeLessThanOrEqual(width);
  const hit = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest("[data-testid=brand]") !== null, { x: box.x + box.width - 2, y: box.y + box.height / 2 });
  expect(hit, `${path} at ${width}: the end of the brand name is covered`).toBe(true);
  const menu = (await page.locator(".site-header .menu > summary").boundingBox())!;
  if (width <= 640) expect(box.x + box.width <= menu.x || box.y + box.height <= menu.y, `${path} at ${width}: brand runs under Menu`).toBe(true);
  await expect(page).toHaveTitle(new RegExp(` · ${BRAND.name}$`));
  await expect(page.locator(".site-footer, footer").first()).toContainText(`${BRAND.name} · powered by`);
}

test.describe.configure({ timeout: 240_000 });

test("Enterprise through Checkout → branding → invitation → the member's price, colours, certificate; verified logged out", async ({ page, browser }) => {
  const violations: string[] = [];
  const owner = uniqueEmail("ent-owner");
  await signUp(page, "Olive Owner", owner);

  // The buyer pays for Enterprise on the hosted Checkout page.
  await page.goto("/pricing");
  const enterprise = page.getByTestId("tier-enterprise");
  await enterprise.getByLabel("Monthly").check();
  await enterprise.getByRole("button", { name: "Upgrade to Enterprise" }).click();
  await expect(page).toHaveURL(/\/_stripe\//);
  await page.getByLabel("Name on card").fill("Olive Owner");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  await page.waitForURL(/\/account\/billing$/);
  await expect(page.getByTestId("current-plan")).toHaveText("Enterprise (monthly)");

  // The owner finds the organization from the header and brands it. The organization and its
  // licence are made by licensing's handler of the subscription's webhook (seconds after the
  // return, which settles the subscription itself), so the link shows once that has landed.
  const enterpriseLink = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Enterprise", exact: true });
  await expect(async () => {
    await page.reload();
    await expect(enterpriseLink).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await enterpriseLink.click();
  await expect(page).toHaveURL(/\/enterprise$/);
  const branding = page.getByTestId("branding-form");
  await branding.getByLabel("Display name").fill(BRAND.name);
  await branding.getByLabel("Main colour").fill(BRAND.main);
  await branding.getByLabel("Accent colour").fill(BRAND.accent);
  await branding.getByRole("button", { name: "Save branding" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Branding saved." })).toBeVisible();
  // A fresh load shows the saved branding to the owner too (they are a member of their organization).
  await page.reload();
  await expect(page.getByTestId("brand")).toContainText(BRAND.name);

  // …and invites a colleague.
  const memberEmail = uniqueEmail("ent-member");
  const invite = page.getByTestId("invite-form");
  await invite.getByLabel("Email to invite").fill(memberEmail);
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText(`Invitation sent to ${memberEmail}`)).toBeVisible();
  await expect(page.getByTestId("invitation").filter({ hasText: memberEmail })).toBeVisible();
  violations.push(...(await axeViolations(page, "/enterprise (owner, branded)")));

  // The colleague opens the link in their own browser, signs up from it and accepts.
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  const memberCsp: string[] = [];
  await watchCsp(member, memberCsp);
  const link = await emailedLink(page, memberEmail, "organization-invitation", "Accept the invitation");
  await member.goto(link);
  await expect(member.getByRole("heading", { level: 1, name: /^Join / })).toBeVisible();
  violations.push(...(await axeViolations(member, "invitation (logged out)")));
  await member.getByRole("link", { name: `Create an account for ${memberEmail}` }).click();
  await member.getByLabel("Name").fill("Mia Member");
  await expect(member.getByLabel("Email")).toHaveValue(memberEmail);
  await member.getByLabel(/^Password/).fill(PASSWORD);
  await member.getByRole("button", { name: "Sign up" }).click();
  await expect(member.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
  await member.goto(await emailedLink(page, memberEmail, "signup-confirm", "Confirm my email"));
  await member.getByLabel(/^Your password/).fill(PASSWORD);
  await member.getByRole("button", { name: "Confirm and create my account" }).click();
  await expect(member).toHaveURL(link); // back to the invitation, now signed in
  await member.getByRole("button", { name: /^Accept and join / }).click();
  await expect(member).toHaveURL(/\/enterprise(\?|$)/);

  // Fresh loads at both widths: colours, brand in the header, branded titles; axe on each.
  for (const width of [1280, 390]) {
    for (const path of ["/learning", `/courses/${PAID.slug}`, "/account/billing"]) {
      await expectBranded(member, path, width);
      violations.push(...(await axeViolations(member, `${path} (member) at ${width}`)));
    }
  }
  await member.setViewportSize({ width: 1280, height: 800 });

  // The member price, and the plan named with where it comes from.
  await member.goto(`/courses/${PAID.slug}`);
  await expect(member.getByRole("button", { name: `Buy for ${PAID.member} (was ${PAID.list})` })).toBeVisible();
  await member.goto("/account/billing");
  await expect(member.getByTestId("current-plan")).toHaveText(/^Enterprise, through /);
  await expect(member.getByTestId("plan-manager")).toContainText("Olive Owner");
  await member.goto("/pricing");
  await expect(member.getByTestId("tier-enterprise")).toContainText("Your plan, through");
  await expect(member.getByRole("button", { name: /^Upgrade to / })).toHaveCount(0);

  // A finished course gives a certificate PDF (a Pro perk the seat includes).
  await member.goto(`/courses/${FREE.slug}`);
  await member.getByRole("button", { name: "Enroll for free" }).click();
  await expect(member.getByText("You are enrolled")).toBeVisible();
  for (const m of [0, 1, 2]) {
    await member.goto(`/courses/${FREE.slug}/learn/${moduleId(m)}`);
    await expect(member.getByTestId("module-download")).toBeVisible(); // downloads: the seat includes them
    await member.getByRole("button", { name: "Mark as complete" }).click();
    await expect(member.getByTestId("module-done")).toBeVisible();
  }
  await member.goto("/learning");
  const certificateLink = member.getByTestId("learning-course").filter({ hasText: FREE.title }).getByTestId("certificate-link");
  await expect(certificateLink).toContainText("Download certificate (PDF)");
  const [download] = await Promise.all([member.waitForEvent("download"), certificateLink.click()]);
  const bytes = await (await import("node:fs/promises")).readFile((await download.path())!);
  expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  await member.goto("/certificates");
  const cert = member.getByTestId("certificate").filter({ hasText: FREE.title });
  const verifyPath = (await cert.getByTestId("certificate-verify").getAttribute("href"))!;
  expect(verifyPath).toMatch(/^\/certificates\/verify\/[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
  violations.push(...(await axeViolations(member, "/certificates (member)")));
  // The member's own view of the check page carries the brand in its title.
  await member.goto(verifyPath);
  await expect(member).toHaveTitle(new RegExp(`^Certificate of Mia Member · ${FREE.title} · ${BRAND.name}$`));

  // An employer, logged out, checks it: genuine, with no white-label (they are nobody's member).
  const employerContext = await browser.newContext();
  const employer = await employerContext.newPage();
  const employerCsp: string[] = [];
  await watchCsp(employer, employerCsp);
  await employer.goto(verifyPath);
  await expect(employer.getByText("This is a genuine Coursemint certificate of completion.")).toBeVisible();
  await expect(employer.getByRole("heading", { name: "Mia Member", level: 1 })).toBeVisible();
  await expect(employer).toHaveTitle(`Certificate of Mia Member · ${FREE.title} · Coursemint`);
  violations.push(...(await axeViolations(employer, "/certificates/verify/:code (logged out)")));

  await memberContext.close();
  await employerContext.close();
  expect([...memberCsp, ...employerCsp], "Content-Security-Policy violations in the member's and employer's pages").toEqual([]);
  expect(violations).toEqual([]);
});

import AxeBuilder from "@axe-core/playwright";
import type { Browser } from "@playwright/test";
import { confirmationLink, emailedLink, expect, logIn, signUp, test, uniqueEmail } from "./fixtures";

test("a learner signs up, creates an API token, uses it, and logs out", async ({ page, request }) => {
  const email = uniqueEmail("learner");
  await signUp(page, "Playwright Learner", email);
  // A new learner lands on My learning, welcomed, with a way to the catalog.
  await expect(page.getByRole("heading", { name: "My learning" })).toBeVisible();
  await expect(page.getByText("Welcome to Coursemint")).toBeVisible();
  await expect(page.getByTestId("learning-empty").getByRole("link", { name: "Browse the catalog" })).toBeVisible();
  await page.goto("/account");
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByTestId("role")).toHaveText("Learner");

  await page.getByLabel("Key name").fill("my script");
  await page.getByRole("button", { name: "Create API key" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  expect(token).toMatch(/^cm_[0-9a-f]{48}$/);
  await expect(page.getByRole("cell", { name: "my script", exact: true })).toBeVisible();

  const me = await request.get("/api/me", { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).user.email).toBe(email);

  await page.reload();
  await expect(page.getByTestId("new-token")).toHaveCount(0);

  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await expect(page).toHaveURL("/");
  await page.goto("/account");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Faccount/);
});

test("signing up with an address that has an account answers the same and emails its owner instead", async ({ page }) => {
  const owner = "student@coursemint.test";
  await page.goto("/signup");
  await page.getByLabel("Name").fill("Someone Else");
  await page.getByLabel("Email").fill(owner);
  await page.getByLabel(/^Password/).fill("another-pass-77");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
  await expect(page.getByRole("status")).toContainText(`We sent an email to ${owner}`);
  await expect(async () => {
    const response = await page.request.get(`/dev/mailbox.json?to=${encodeURIComponent(owner)}`);
    const { emails } = (await response.json()) as { emails: { template: string; subject: string }[] };
    expect(emails.map((e) => e.template)).toContain("signup-existing-account");
    expect(emails.map((e) => e.template)).not.toContain("signup-confirm");
  }).toPass({ timeout: 30_000 });
  // The owner's password is unchanged.
  await logIn(page, owner);
});

test("a confirmation link works once", async ({ page, browser }) => {
  const email = uniqueEmail("once");
  await signUp(page, "Once Only", email);
  const other = await browser.newPage();
  await other.goto(await confirmationLink(other, email));
  await expect(other.getByRole("heading", { name: "This link has already been used" })).toBeVisible();
  await other.close();
});

test("bad input keeps what was typed and explains each field", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Name").fill("Someone");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel(/^Password/).fill("short");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByText("Enter a valid email address")).toBeVisible();
  await expect(page.getByText("Use at least 10 characters")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue("not-an-email");
  await expect(page.getByLabel("Name")).toHaveValue("Someone");
});

/** Serious or critical axe violations on `path` at 1280 and 390 px (in a context without the CSP, which axe's own code would break). */
async function axeViolations(browser: Browser, path: string) {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  const found: string[] = [];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 844 });
    await page.goto(path);
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
    for (const v of results.violations) if (v.impact === "serious" || v.impact === "critical") found.push(`@${width} ${v.id}: ${v.help}`);
  }
  await context.close();
  return found;
}

test("a learner who forgot the password gets a link by email, chooses a new one and is signed in; other devices are signed out", async ({ page, browser }) => {
  const email = uniqueEmail("forgot");
  await signUp(page, "Forgetful Learner", email);
  // Another device, not signed in, from the log-in page.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const phone = await context.newPage();
  await phone.goto("/login");
  await phone.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(phone.getByRole("heading", { name: "Reset your password" })).toBeVisible();
  await phone.getByLabel("Email").fill(email);
  await phone.getByRole("button", { name: "Email me a link" }).click();
  await expect(phone.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
  await expect(phone.getByRole("status")).toContainText(`If an account exists for ${email}, we sent it a link`);

  const link = await emailedLink(phone, email, "password-reset", "Choose a new password");
  expect(link).toMatch(/^\/password\/reset\?token=[0-9a-f]{64}$/);
  // Opening the link changes nothing, so the form can be checked first.
  expect(await axeViolations(browser, link)).toEqual([]);

  await phone.goto(link);
  await expect(phone.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await expect(phone.getByText(email)).toBeVisible();
  // The form fits a 390 px screen.
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await phone.getByLabel(/^New password/).fill("fresh-password-8");
  await phone.getByLabel("Type the new password again").fill("fresh-password-9");
  await phone.getByRole("button", { name: "Save my new password" }).click();
  await expect(phone.getByText("The two passwords don't match")).toBeVisible();
  await phone.getByLabel(/^New password/).fill("fresh-password-8");
  await phone.getByLabel("Type the new password again").fill("fresh-password-8");
  await phone.getByRole("button", { name: "Save my new password" }).click();
  await expect(phone).toHaveURL(/\/account\?password=changed$/);
  await expect(phone.getByRole("status")).toHaveText("Your password has been changed. Every other device was signed out.");
  await context.close();

  // The device signed in before the reset is signed out; the new password works, the old one not.
  await page.goto("/account");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Faccount/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("e2e-password-9");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Email or password is incorrect.");
  await logIn(page, email, "fresh-password-8");
  await expect(page.getByRole("heading", { name: "My learning" })).toBeVisible();
});

test("a signed-in learner changes their password on the account page", async ({ page }) => {
  const email = uniqueEmail("changer");
  await signUp(page, "Password Changer", email);
  await page.goto("/account");
  const form = page.getByTestId("change-password");
  await form.getByLabel("Current password").fill("not-my-password-1");
  await form.getByLabel(/^New password/).fill("changed-password-7");
  await form.getByLabel("Type the new password again").fill("changed-password-7");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("That is not your current password")).toBeVisible();
  await expect(form.getByLabel("Current password")).toHaveValue(""); // never echoed back

  await form.getByLabel("Current password").fill("e2e-password-9");
  await form.getByLabel(/^New password/).fill("changed-password-7");
  await form.getByLabel("Type the new password again").fill("changed-password-7");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your password has been changed.")).toBeVisible();
  // Still signed in here; the new password is the one that works.
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await logIn(page, email, "changed-password-7");
  await expect(page.getByRole("heading", { name: "My learning" })).toBeVisible();
});

test("wrong credentials get one generic message", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill("admin@coursemint.test");
  await page.getByLabel("Password").fill("not-the-password-1");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Email or password is incorrect.");
});

test("an admin changes a role and finds it in the audit log", async ({ page, browser }) => {
  const email = uniqueEmail("promoted");
  const other = await browser.newPage();
  await signUp(other, "Promoted Person", email);
  await other.close();

  await logIn(page, "admin@coursemint.test");
  // The admin pages are one "Admin" group in the header, so it stays one row at 1280 px (it wrapped with 15 links).
  await page.setViewportSize({ width: 1280, height: 800 });
  const nav = (await page.getByRole("navigation", { name: "Main" }).boundingBox())!;
  expect(nav.height).toBeLessThan(48);
  await page.getByTestId("admin-nav").getByText("Admin", { exact: true }).click();
  await page.getByTestId("admin-nav").getByRole("link", { name: "Overview" }).click();
  await expect(page.getByRole("heading", { name: "Admin" })).toBeVisible();
  await page.getByRole("main").getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await page.getByLabel("Email contains").fill(email);
  await page.getByRole("button", { name: "Filter" }).click();
  const row = page.getByRole("row").filter({ hasText: email });
  await row.getByRole("combobox").selectOption("instructor");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText(`${email} is now an instructor.`);

  await page.getByRole("main").getByRole("link", { name: "Audit log" }).click();
  // The audit log reads in sentences; its action filter is a list of actions in words.
  await page.getByLabel("Action").selectOption({ label: "Role changed" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByRole("cell", { name: /made Promoted Person an instructor/ }).first()).toBeVisible();
});

test("unknown pages show a friendly 404", async ({ page }) => {
  const response = await page.goto("/this/does/not/exist");
  expect(response!.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

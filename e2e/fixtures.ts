import { test as base, expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "demo-password-1";

/** A unique address per test so journeys never collide across runs. */
export function uniqueEmail(tag: string) {
  return `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.test`;
}

/**
 * Signs up through the page, then confirms like a person would: reads the confirmation email from
 * the local mailbox (/dev/mailbox.json), opens its link, enters the password chosen at sign-up and
 * presses the confirm button.
 */
export async function signUp(page: Page, name: string, email: string, password = "e2e-password-9") {
  await page.goto("/signup");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
  await page.goto(await confirmationLink(page, email));
  await page.getByLabel(/^Your password/).fill(password);
  await page.getByRole("button", { name: "Confirm and create my account" }).click();
  await expect(page).toHaveURL(/\/learning/);
}

/** The path of the newest sign-up confirmation link emailed to `email` (waits for the email queue). */
export async function confirmationLink(page: Page, email: string): Promise<string> {
  return emailedLink(page, email, "signup-confirm", "Confirm my email");
}

/**
 * The path of the button link in the newest `template` email to `email`, read from the local
 * mailbox (/dev/mailbox.json; the plain-text part has "<button label>: <url>").
 */
export async function emailedLink(page: Page, email: string, template: string, buttonLabel: string): Promise<string> {
  let link: string | undefined;
  const pattern = new RegExp(`${buttonLabel}: (\\S+)`);
  await expect(async () => {
    const response = await page.request.get(`/dev/mailbox.json?to=${encodeURIComponent(email)}`);
    expect(response.status()).toBe(200);
    const { emails } = (await response.json()) as { emails: { template: string | null; text: string }[] };
    const mail = emails.find((e) => e.template === template);
    link = mail ? pattern.exec(mail.text)?.[1] : undefined;
    expect(link, `${template} email to ${email}`).toBeTruthy();
  }).toPass({ timeout: 30_000 });
  const url = new URL(link!);
  return url.pathname + url.search;
}

export async function logIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  // Each role lands on its own dashboard: admins on /admin, instructors on /instructor, the rest on My learning.
  await expect(page).toHaveURL(/\/(learning|admin|instructor)(\?|$)/);
}

/**
 * Collects the page's Content-Security-Policy violations into `sink`: the `securitypolicyviolation`
 * event in each document, and Chromium's console message for ones the event misses, such as
 * blocked navigations. For pages of extra browser contexts; the `page` fixture does it itself.
 */
export async function watchCsp(page: Page, sink: string[]) {
  await page.exposeBinding("__reportCspViolation", (_source, text: string) => {
    sink.push(text);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __reportCspViolation(t: string): void }).__reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${location.pathname}`);
    });
  });
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) sink.push(message.text());
  });
}

/** Every test's page reports its Content-Security-Policy violations (`watchCsp`); the test fails if any was reported. */
export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: async ({}, use) => {
    await use([]);
  },
  page: async ({ page, cspViolations }, use) => {
    await watchCsp(page, cspViolations);
    await use(page);
    expect(cspViolations, "Content-Security-Policy violations").toEqual([]);
  },
});
export { expect };

import { DEMO_PASSWORD, expect, logIn, test } from "./fixtures";

/*
 * The Content-Security-Policy holds in a real browser: every page (and the emulator's hosted
 * Checkout page) renders and hydrates with no violation reported (the fixture fails the test on
 * any), and the check itself notices a violation when one happens.
 */
test("pages and hosted Checkout satisfy the CSP; the headers are there", async ({ page }) => {
  for (const path of ["/", "/courses", "/pricing", "/login", "/signup", "/password/forgot", "/no-such-page"]) {
    const response = await page.goto(path);
    const headers = response!.headers();
    expect(headers["content-security-policy"]).toContain("script-src 'self' 'nonce-");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["permissions-policy"]).toContain("camera=()");
    expect(headers["strict-transport-security"]).toBeUndefined(); // development
  }
  // Client-side navigation (hydrated Remix) works under the policy.
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Courses" }).click();
  await expect(page).toHaveURL(/\/courses$/);

  await logIn(page, "admin@coursemint.test", DEMO_PASSWORD);
  for (const path of ["/account", "/account/billing", "/account/payments", "/admin", "/admin/users", "/admin/payments", "/admin/emails", "/admin/audit", "/instructor", "/instructor/courses/new", "/instructor/profile", "/learning", "/dev/mailbox"]) {
    const response = await page.goto(path);
    expect(response!.status(), path).toBe(200);
    expect(response!.headers()["cache-control"], path).toBe("private, no-store");
  }

  // A course page, then the hosted Checkout page of the emulator.
  await page.goto("/courses?price=paid");
  await page.locator("main h2 a").first().click();
  await expect(page).toHaveURL(/\/courses\/[^/?]+$/);
  await page.getByRole("button", { name: /^Buy for/ }).click();
  await expect(page).toHaveURL(/\/_stripe\//);
  await expect(page.getByLabel("Card number")).toBeVisible();
});

test("the CSP check reports a violation when one happens", async ({ page, cspViolations }) => {
  await page.goto("/");
  await page.evaluate(() => {
    const img = document.createElement("img");
    img.src = "https://evil.example/pixel.png";
    document.body.appendChild(img);
  });
  await expect.poll(() => cspViolations.length).toBeGreaterThan(0);
  expect(cspViolations.join("\n")).toMatch(/img-src/);
  cspViolations.length = 0; // this one was on purpose
});

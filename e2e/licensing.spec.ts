import { expect, signUp, test, uniqueEmail } from "./fixtures";

/*
 * An enterprise buyer subscribes to Enterprise through Checkout, gets a license on the enterprise
 * dashboard, activates a machine with the key and validates it like their software would (no
 * cookies), then sees the machine and the usage on the dashboard, deactivates it there and rotates
 * the license key (issue a new one, revoke the old one).
 */
test("an enterprise buyer subscribes, gets a license, activates a machine, validates it and sees the usage", async ({ page, playwright }) => {
  const email = uniqueEmail("enterprise");
  await signUp(page, "Eve Enterprise", email);

  await page.goto("/pricing");
  const enterprise = page.getByTestId("tier-enterprise");
  await enterprise.getByLabel("Monthly").check();
  await enterprise.getByRole("button", { name: "Upgrade to Enterprise" }).click();
  await expect(page).toHaveURL(/\/_stripe\//);
  await page.getByLabel("Name on card").fill("Eve Enterprise");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  await page.waitForURL(/\/account\/billing$/); // settled on return, then the clean URL

  // The subscription's webhooks create the organization and its license.
  await expect(async () => {
    await page.goto("/enterprise");
    await expect(page.getByTestId("license").first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByRole("heading", { name: "Eve Enterprise's organization" })).toBeVisible();
  await expect(page.getByTestId("license").first()).toContainText("Active");
  const key = await page.getByTestId("license-key").first().inputValue();
  expect(key).toMatch(/^CMLK1\./);

  // The customer's software: no cookies, another origin.
  const software = await playwright.request.newContext({ baseURL: page.url(), extraHTTPHeaders: { Origin: "https://intranet.customer.example" } });
  const activated = await software.post("/api/enterprise/licenses/activate", { data: { key, fingerprint: "eve-laptop-0001", name: "Eve's laptop" } });
  expect(activated.status()).toBe(201);
  const { machineToken } = await activated.json();
  expect(machineToken).toMatch(/^cmm_/);
  // Holding the key is not enough to take the machine over or remove it: that needs its token.
  expect((await software.post("/api/enterprise/licenses/activate", { data: { key, fingerprint: "eve-laptop-0001" } })).status()).toBe(409);
  expect((await software.post("/api/enterprise/licenses/deactivate", { data: { key, fingerprint: "eve-laptop-0001" } })).status()).toBe(400);
  expect((await software.post("/api/enterprise/licenses/heartbeat", { data: { machineToken } })).status()).toBe(200);
  const validated = await software.get(`/api/enterprise/licenses/validate?key=${encodeURIComponent(key)}&fingerprint=eve-laptop-0001&feature=white_label`);
  expect(validated.headers()["access-control-allow-origin"]).toBe("*");
  expect(await validated.json()).toMatchObject({ valid: true, code: "VALID", license: { tier: "enterprise", machines: 1 } });
  const stranger = await software.get(`/api/enterprise/licenses/validate?key=${encodeURIComponent(key)}&fingerprint=somebody-else-01`);
  expect((await stranger.json()).code).toBe("FINGERPRINT_SCOPE_MISMATCH");
  await software.dispose();

  // The dashboard shows the machine and the usage.
  await page.goto("/enterprise");
  await expect(page.getByTestId("machine")).toContainText("Eve's laptop");
  await expect(page.getByTestId("usage-summary")).toContainText("2 validations");
  await expect(page.getByTestId("usage-summary")).toContainText("1 of 100 machines active");
  await expect(page.getByTestId("usage-summary")).toContainText("1 of 25 seats used");

  // Deactivate from the dashboard (asks first).
  await page.getByRole("button", { name: "Deactivate" }).click();
  await expect(page.getByTestId("confirm-step")).toContainText("Deactivate Eve's laptop?");
  await page.getByRole("button", { name: "Deactivate machine" }).click();
  await expect(page.getByRole("status")).toContainText("was deactivated");
  await expect(page.getByTestId("machine-state")).toContainText("Deactivated by an admin");

  // Rotate the key: issue a new one, revoke the old one (asks first); the old key answers KEY_REVOKED.
  await page.getByLabel("New key's label").fill("Production 2027");
  await page.getByRole("button", { name: "Issue a new key" }).click();
  await expect(page.getByRole("status")).toContainText("New key “Production 2027” issued");
  const newKey = await page.getByTestId("new-license-key").inputValue();
  expect(newKey).not.toBe(key);
  await page.getByTestId("license-key-row").first().getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByTestId("confirm-step")).toContainText("Revoke the key");
  await page.getByTestId("confirm-step").getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByRole("status")).toContainText("was revoked");
  await expect(page.getByTestId("license-key-row").first()).toContainText("Revoked");
  const checker = await playwright.request.newContext({ baseURL: page.url() });
  expect(await (await checker.get(`/api/enterprise/licenses/validate?key=${encodeURIComponent(key)}`)).json()).toMatchObject({ valid: false, code: "KEY_REVOKED" });
  expect(await (await checker.post("/api/enterprise/licenses/validate", { data: { key: newKey } })).json()).toMatchObject({ valid: true, code: "VALID" });
  await checker.dispose();
});

import { confirmationLink, expect, logIn, signUp, test, uniqueEmail } from "./fixtures";

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
  await page.getByRole("link", { name: "Admin", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Admin" })).toBeVisible();
  await page.getByRole("main").getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await page.getByLabel("Email contains").fill(email);
  await page.getByRole("button", { name: "Filter" }).click();
  const row = page.getByRole("row").filter({ hasText: email });
  await row.getByRole("combobox").selectOption("instructor");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText(`${email} is now an instructor.`);

  await page.getByRole("link", { name: "Audit log" }).click();
  await page.getByLabel("Action").fill("user.role_changed");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByRole("cell", { name: /to: instructor/ }).first()).toBeVisible();
});

test("unknown pages show a friendly 404", async ({ page }) => {
  const response = await page.goto("/this/does/not/exist");
  expect(response!.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

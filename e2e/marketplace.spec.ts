import { expect, logIn, signUp, test, uniqueEmail } from "./fixtures";

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

test("instructor publishes a course; a learner finds it, buys it through Checkout, learns, completes and reviews it; the instructor sees the pending earning", async ({ page }) => {
  const word = `Zebrafish${Date.now().toString(36)}`;
  const title = `${word} genetics for analysts`;

  // The instructor uploads a course with a module file and publishes it. Other journeys in the same
  // run sell this instructor's courses too, so the pending total is read first.
  await logIn(page, "instructor@coursemint.test");
  await page.goto("/instructor");
  const pending = page.getByTestId("pending-usd");
  const cents = (text: string | null) => Math.round(Number((text ?? "$0").replace(/[^0-9.]/g, "")) * 100);
  const pendingBefore = (await pending.count()) ? cents(await pending.textContent()) : 0;
  await page.goto("/instructor/courses/new");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Description").fill("Breeding experiments, genotyping and the statistics behind them, step by step.");
  await page.getByLabel("Category").selectOption("data");
  await page.getByLabel("Level").selectOption("intermediate");
  await page.getByLabel("Language").selectOption("en");
  await page.getByLabel("Price (0 for free)").fill("19.99");
  await page.getByLabel(/Module files/).setInputFiles({ name: "lesson-1.pdf", mimeType: "application/pdf", buffer: PDF });
  await page.getByRole("button", { name: "Upload course" }).click();
  await expect(page).toHaveURL(/\/instructor\/courses\/crs_\w+\?uploaded=1/);
  await expect(page.getByText("lesson-1.pdf")).toBeVisible();
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByTestId("course-status")).toHaveText("Published");
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();

  // A learner finds it through the catalog filters.
  await signUp(page, "Lea Learner", uniqueEmail("learner"));
  await page.goto("/courses");
  await page.getByLabel("Search").fill(word);
  await page.getByLabel("Category").selectOption("data");
  await page.getByLabel("Price", { exact: true }).selectOption("paid");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`q=${word}`));
  await page.getByRole("link", { name: title }).click();

  // ... buys it through Checkout (the emulator's hosted page) ...
  await page.getByRole("button", { name: /Buy for \$19\.99/ }).click();
  await page.getByLabel("Name on card").fill("Lea Learner");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  // Back from Checkout the payment is settled on arrival: the learner lands in the course, no refresh.
  await expect(page).toHaveURL(/\/courses\/[^/?]+$/);
  await expect(page.getByTestId("enrolled")).toBeVisible();
  await expect(page.getByTestId("purchase-complete")).toContainText("Thank you! Your payment went through");

  // ... opens the module, completes the course ...
  await page.getByRole("link", { name: "lesson 1" }).click();
  await expect(page.getByRole("heading", { name: "lesson 1" })).toBeVisible();
  const file = await page.request.get(await page.getByRole("link", { name: /Open lesson-1\.pdf/ }).getAttribute("href") as string);
  expect(file.status()).toBe(200);
  expect(file.headers()["content-type"]).toBe("application/pdf");
  await page.getByRole("button", { name: "Mark as complete" }).click();
  await expect(page.getByText("Course completed — congratulations!")).toBeVisible();

  // ... and reviews it.
  await page.getByRole("link", { name: new RegExp(title) }).click();
  await expect(page.getByTestId("enrolled")).toContainText("Course completed");
  await page.getByRole("radio", { name: "5 stars" }).check();
  await page.getByLabel("Your review").fill("Clear, practical and well paced.");
  await page.getByRole("button", { name: "Post review" }).click();
  await expect(page.getByText("Thanks for your review!")).toBeVisible();
  await expect(page.getByTestId("rating")).toContainText("Rated 5 out of 5 from 1 review");
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();

  // The instructor sees the earning (70% of 19.99 = 14.00 with the leftover cent) as pending.
  await logIn(page, "instructor@coursemint.test");
  await page.goto("/instructor");
  await expect(page.getByTestId("pending-usd")).toHaveText(`$${((pendingBefore + 1400) / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })}`);
  await expect(page.getByRole("row", { name: new RegExp(title) }).first()).toBeVisible();
});

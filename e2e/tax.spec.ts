import { expect, signUp, test, uniqueEmail } from "./fixtures";

test.setTimeout(120_000);

test("a German business with a VAT number sees reverse charge on the receipt", async ({ page }) => {
  await signUp(page, "Greta Geschäft", uniqueEmail("vat"));
  await page.goto("/courses/marketing-funnels-that-convert-d005");
  await expect(page.getByTestId("price-tax-note")).toContainText("plus tax");
  await page.getByRole("button", { name: /Buy for \$45\.00/ }).click();
  // The hosted Checkout page (Stripe emulator): billing address and the business's VAT number.
  await page.getByLabel("Country").selectOption("DE");
  await page.getByLabel("City").fill("Berlin");
  await page.getByLabel("Business name").fill("Muster GmbH");
  await page.getByLabel(/Tax ID/).fill("DE123456789");
  await page.getByRole("button", { name: "Update total with tax" }).click();
  await expect(page.getByTestId("checkout-tax")).toContainText("reverse charge");
  await expect(page.getByTestId("checkout-total")).toContainText("45.00 USD");
  await page.getByLabel("Name on card").fill("Greta Geschäft");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByTestId("enrolled")).toBeVisible();

  await page.goto("/account/payments");
  await page.getByRole("link", { name: /Receipt|Course: Marketing Funnels/ }).first().click();
  await expect(page.getByTestId("receipt-tax")).toContainText("VAT 0 % — reverse charge");
  await expect(page.getByTestId("receipt-reverse-charge")).toContainText("VAT to be accounted for by the recipient");
  await expect(page.getByTestId("receipt-buyer-tax-id")).toHaveText("VAT DE123456789");
  await expect(page.getByTestId("receipt-seller")).toContainText("VAT IE6388047V");
  await expect(page.getByText("Muster GmbH")).toBeVisible();
});

test("a US buyer sees sales tax added at checkout, and on the receipt", async ({ page }) => {
  await signUp(page, "Nora York", uniqueEmail("ny"));
  await page.goto("/courses/street-photography-d006");
  await page.getByRole("button", { name: /Buy for \$35\.00/ }).click();
  await expect(page.getByTestId("checkout-tax-pending")).toBeVisible();
  await page.getByLabel("Country").selectOption("US");
  await page.getByLabel(/State or province/).fill("NY");
  await page.getByLabel("Postal code").fill("10001");
  await page.getByRole("button", { name: "Update total with tax" }).click();
  await expect(page.getByTestId("checkout-tax")).toContainText("Sales tax (New York, 4 %)");
  await expect(page.getByTestId("checkout-tax")).toContainText("1.40 USD");
  await expect(page.getByTestId("checkout-total")).toContainText("36.40 USD");
  await page.getByLabel("Name on card").fill("Nora York");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByTestId("enrolled")).toBeVisible();

  await page.goto("/account/payments");
  await page.getByRole("link", { name: /Receipt|Course: Street Photography/ }).first().click();
  await expect(page.getByTestId("receipt-tax")).toContainText("Sales tax 4 % (New York)");
  await expect(page.getByTestId("receipt-tax")).toContainText("$1.40");
  await expect(page.getByText("$36.40", { exact: true }).first()).toBeVisible();
});

import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { Browser, db, insertUser, jsonBody, waitFor } from "../helpers";
import { deliverWebhooks, emulator, insertCourse, paymentRow, waitForPayment } from "../payments/helpers";
import { createId } from "~/utils/ids";
import { auditLog } from "~drizzle/schema";

async function person(role: "student" | "admin", name: string) {
  const user = await insertUser(role, { name });
  const browser = new Browser();
  await browser.login(user.email);
  return { user, browser };
}

/** Lena bought "Python for Data Science" with a card; the webhook settled it. */
async function lenasPurchase() {
  const { course } = await insertCourse({ title: "Python for Data Science" });
  const lena = await person("student", "Lena Learner");
  const res = await lena.browser.json("/api/payments/process", jsonBody({ purpose: "course_purchase", courseId: course.id, flow: "payment_method", paymentMethod: "pm_card_visa" }));
  expect(res.status).toBe(201);
  await deliverWebhooks();
  const payment = await waitForPayment(res.body.paymentId, "succeeded");
  await waitFor(async () => (await paymentRow(payment.id))?.fulfilledAt);
  return { lena, payment };
}

beforeEach(async () => {
  await emulator().clearFaults();
  await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
});

describe("/admin/audit in sentences", () => {
  it("reads a real refund as the issue asks: names linked to their user pages, money formatted", async () => {
    const { lena, payment } = await lenasPurchase();
    const ada = await person("admin", "Ada Admin");
    const refund = await ada.browser.json("/api/payments/refund", jsonBody({ paymentId: payment.id, amount: 2000, reason: "Goodwill" }));
    expect(refund.status).toBe(200);

    const html = await (await ada.browser.fetch(`/admin/audit?action=payment.refunded&targetId=${payment.id}`)).text();
    const sentence = /<span data-testid="audit-sentence">([\s\S]*?)<\/span><\/div>/.exec(html)?.[1] ?? "";
    const plain = sentence.replace(/<[^>]+>/g, "").replace(/&#x27;|&#39;/g, "'");
    expect(plain).toBe("Ada Admin refunded $20.00 of Lena Learner's payment for Python for Data Science (goodwill).");
    expect(sentence).toContain(`href="/admin/users/${ada.user.id}">Ada Admin</a>`);
    expect(sentence).toContain(`href="/admin/users/${lena.user.id}">Lena Learner</a>`);
    // No raw ids of people, no epoch milliseconds, no JSON.
    expect(plain).not.toMatch(/usr_|\d{13}|[{}]/);

    // The linked page exists and shows the purchase and its refund.
    const userPage = await ada.browser.fetch(`/admin/users/${lena.user.id}`);
    expect(userPage.status).toBe(200);
    const userHtml = await userPage.text();
    expect(userHtml).toContain("Lena Learner");
    expect(userHtml).toMatch(/Python for Data Science/);
    expect(userHtml).toContain("$49.99");
    expect(userHtml).toContain("$20.00");
    expect(userHtml).toContain("Partially refunded");
  });

  it("the action filter is a list of actions in words; an unknown action still reads and stays selectable", async () => {
    const ada = await person("admin", "Ada Admin");
    const target = await insertUser("student", { name: "Tom Target" });
    await db()
      .insert(auditLog)
      .values({ id: createId("audit"), actorId: ada.user.id, action: "user.nickname_changed", targetType: "user", targetId: target.id, metadata: { expiresAt: Date.UTC(2027, 0, 2, 3, 4), amount: 1500, currency: "eur" }, requestId: "req_test", createdAt: Date.now() })
      .run();
    const html = await (await ada.browser.fetch(`/admin/audit?action=user.nickname_changed`)).text();
    expect(html).toMatch(/<select id="filter-action" name="action">/);
    expect(html).toContain('<option value="payment.refunded">Payment refunded</option>');
    expect(html).toContain('<option value="user.role_changed">Role changed</option>');
    expect(html).toMatch(/<option value="user.nickname_changed" selected="">User nickname changed<\/option>/);
    const plain = html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    expect(plain).toContain("Ada Admin : User nickname changed ( Tom Target )");
    expect(plain).toContain("Expires at Jan 2, 2027, 3:04 AM UTC");
    expect(plain).toContain("Amount €15.00");
  });

  it("the user page is admins only and a 404 for an unknown user", async () => {
    const ada = await person("admin", "Ada Admin");
    expect((await ada.browser.fetch(`/admin/users/usr_00000000000000000000000000`)).status).toBe(404);
    expect((await ada.browser.fetch(`/admin/users/not-an-id`)).status).toBe(404);
    const lena = await person("student", "Lena Learner");
    expect((await lena.browser.fetch(`/admin/users/${ada.user.id}`)).status).toBe(403);
    expect((await SELF.fetch(`http://localhost/admin/users/${ada.user.id}`, { redirect: "manual" })).status).toBe(302);
  });
});

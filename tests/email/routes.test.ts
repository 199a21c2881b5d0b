import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../workers/app";
import { auditLog } from "~drizzle/schema";
import { Browser, db, ORIGIN, signedInAs } from "../helpers";
import { emailByKey, outboxFor, receiptMessage, runDeadLetter, runQueue, waitFor } from "./helpers";

afterEach(() => vi.restoreAllMocks());

describe("development mailbox", () => {
  it("lists the outbox and shows an email as the recipient sees it, HTML and text", async () => {
    const message = receiptMessage();
    await runQueue(message);
    const [mail] = await outboxFor(message.to);
    const browser = new Browser();

    const list = await browser.fetch(`/dev/mailbox?to=${encodeURIComponent(message.to)}`);
    expect(list.status).toBe(200);
    const listHtml = await list.text();
    expect(listHtml).toContain(`href="/dev/mailbox/${mail!.emailId}"`);
    expect(listHtml).toContain("Your Coursemint receipt for Pro plan (monthly)");

    const page = await browser.fetch(`/dev/mailbox/${mail!.emailId}`);
    expect(page.status).toBe(200);
    const pageHtml = await page.text();
    expect(pageHtml).toContain(`src="/dev/mailbox/${mail!.emailId}/html"`);
    expect(pageHtml).toContain("sandbox=");
    expect(pageHtml).toContain("View receipt: https://coursemint.example/account/payments/pay_01testpayment");

    const body = await browser.fetch(`/dev/mailbox/${mail!.emailId}/html`);
    expect(body.status).toBe(200);
    expect(body.headers.get("Content-Type")).toContain("text/html");
    expect(body.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    expect(await body.text()).toBe(mail!.html);

    expect((await browser.fetch("/dev/mailbox/eml_missing")).status).toBe(404);
  });

  it("offers the outbox as JSON for end-to-end tests", async () => {
    const message = receiptMessage();
    await runQueue(message);
    const { status, body } = await new Browser().json(`/dev/mailbox.json?to=${encodeURIComponent(message.to)}`);
    expect(status).toBe(200);
    expect(body.emails).toHaveLength(1);
    expect(body.emails[0]).toMatchObject({ to: message.to, template: "payment-receipt", subject: "Your Coursemint receipt for Pro plan (monthly)" });
    expect(body.emails[0].text).toContain("$19.99 USD");
    expect(body.emails[0].html).toContain("<!DOCTYPE html>");
  });

  it("does not exist in production", async () => {
    const prodEnv = { ...env, APP_ENV: "production", EMAIL_PROVIDER: "resend", RESEND_API_KEY: "re_test" } as unknown as Env;
    for (const path of ["/dev/mailbox", "/dev/mailbox.json", "/dev/mailbox/eml_x", "/dev/mailbox/eml_x/html"]) {
      const ctx = createExecutionContext();
      const response = await worker.fetch!(new Request(`${ORIGIN}${path}`) as never, prodEnv, ctx);
      await waitOnExecutionContext(ctx);
      expect(response.status, path).toBe(404);
    }
  });
});

describe("admin emails", () => {
  async function failedEmail() {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const message = receiptMessage();
    // The queue gave up on it: the dead-letter consumer records it as failed.
    await runDeadLetter(message);
    const row = (await emailByKey(message.idempotencyKey))!;
    expect(row.status).toBe("failed");
    return { message, row };
  }

  it("is for admins only", async () => {
    const { browser } = await signedInAs("student");
    expect((await browser.fetch("/admin/emails")).status).toBe(403);
    expect((await new Browser().fetch("/admin/emails")).status).toBe(302);
  });

  it("lists failed emails and resends one, audited, which then arrives once", async () => {
    const { message, row } = await failedEmail();
    const { user: admin, browser } = await signedInAs("admin");
    const page = await browser.fetch("/admin/emails?status=failed");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`data-email-id="${row.id}"`);
    expect(html).toContain("dead-lettered before any delivery attempt was recorded");

    const response = await browser.submit("/admin/emails?status=failed&index", { emailId: row.id });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("The email is queued again.");
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.action, "email.resend"), eq(auditLog.targetId, row.id))).all();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe(admin.id);

    // The real EMAILS queue delivers it in the background.
    await waitFor(async () => (await emailByKey(message.idempotencyKey))?.status === "sent");
    expect(await outboxFor(message.to)).toHaveLength(1);

    // A second resend is refused: it is no longer failed.
    const again = await browser.submit("/admin/emails", { emailId: row.id });
    expect(again.status).toBe(409);
  });

  it("students cannot resend", async () => {
    const { row } = await failedEmail();
    const { browser } = await signedInAs("student");
    expect((await browser.submit("/admin/emails", { emailId: row.id })).status).toBe(403);
    expect((await emailByKey(row.idempotencyKey))!.status).toBe("failed");
  });
});

import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { emailOutbox, emails } from "~drizzle/schema";
import { db } from "../helpers";
import {
  drainEmails,
  emailByKey,
  outboxFor,
  receiptData,
  receiptMessage,
  runDeadLetter,
  runQueue,
  uniqueAddress,
  uniqueKey,
  waitFor,
} from "./helpers";

afterEach(() => vi.restoreAllMocks());

describe("EMAILS queue → outbox (real queue binding)", () => {
  it("a message sent to the queue ends as one email in the outbox with the right content", async () => {
    const message = receiptMessage();
    await env.EMAILS.send(message);
    const [mail] = await waitFor(async () => {
      const rows = await outboxFor(message.to);
      return rows.length ? rows : null;
    });
    expect(mail).toMatchObject({
      toAddress: message.to,
      fromAddress: "Coursemint <receipts@coursemint.example>",
      subject: "Your Coursemint receipt for Pro plan (monthly)",
      template: "payment-receipt",
    });
    expect(mail!.html).toContain("$19.99 USD");
    expect(mail!.html).toContain("March 5, 2026 at 14:07 UTC");
    expect(mail!.html).toContain("pay_01testpayment");
    expect(mail!.text).toMatch(/^Amount: +\$19\.99 USD$/m);
    expect(mail!.text).toContain("View receipt: https://coursemint.example/account/payments/pay_01testpayment");
    const row = await emailByKey(message.idempotencyKey);
    expect(row).toMatchObject({ status: "sent", attempts: 1, provider: "outbox", id: mail!.emailId });
  });

  it("a duplicate message sends nothing more", async () => {
    const message = receiptMessage();
    await env.EMAILS.send(message);
    await env.EMAILS.send(message); // the producer retried
    await waitFor(async () => (await emailByKey(message.idempotencyKey))?.status === "sent");
    await drainEmails(); // the second delivery has run too
    await env.EMAILS.sendBatch([{ body: message }, { body: message }]); // and a redelivery storm
    await drainEmails();
    expect(await outboxFor(message.to)).toHaveLength(1);
    expect((await db().select().from(emails).all()).filter((e) => e.idempotencyKey === message.idempotencyKey)).toHaveLength(1);
  });
});

describe("EMAILS consumer (handler driven with createMessageBatch)", () => {
  it("delivers, then acknowledges a redelivery of the same message without sending again", async () => {
    const message = receiptMessage();
    const first = await runQueue(message);
    expect(first.result.explicitAcks).toEqual([first.id]);
    const again = await runQueue(message, { id: first.id, attempts: 2 });
    expect(again.result.explicitAcks).toEqual([first.id]);
    expect(again.result.retryMessages).toEqual([]);
    expect(await outboxFor(message.to)).toHaveLength(1);
  });

  it("retries transient provider failures with growing delays, then the dead-letter queue marks the email failed", async () => {
    const calls: Request[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      if (new URL(request.url).host !== "api.resend.test") throw new Error(`unexpected fetch ${request.url}`);
      calls.push(request);
      return Response.json({ name: "internal_server_error", message: "Try again later" }, { status: 503 });
    });
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const resend = { EMAIL_PROVIDER: "resend", RESEND_API_KEY: "re_test_key", RESEND_API_URL: "https://api.resend.test", LOG_LEVEL: "warn" };
    const message = receiptMessage();

    for (let attempt = 1; attempt <= 3; attempt++) {
      const { id, result } = await runQueue(message, { attempts: attempt, env: resend, id: "msg-flaky" });
      expect(result.explicitAcks).toEqual([]);
      expect(result.retryMessages).toEqual([{ msgId: id }]);
      const row = await emailByKey(message.idempotencyKey);
      expect(row).toMatchObject({ status: "retrying", attempts: attempt, provider: "resend" });
      expect(row!.lastError).toContain("resend: 503 Try again later");
    }
    // Exponential backoff from EMAIL_RETRY_BASE_SECONDS, as passed to message.retry() and logged.
    const retries = warnings.mock.calls.map((c) => JSON.parse(String(c[0]))).filter((l) => l.event === "email.retrying");
    expect(retries.map((l) => l.delaySeconds)).toEqual([30, 60, 120]);
    expect(calls).toHaveLength(3);
    // Every attempt carries the same provider idempotency key, so a late success cannot duplicate.
    expect(new Set(calls.map((c) => c.headers.get("Idempotency-Key")))).toEqual(new Set([`coursemint/${message.idempotencyKey}`]));

    // The queue gives up (max_retries) and hands the message to the dead-letter queue.
    const dead = await runDeadLetter(message, { id: "msg-flaky", env: { LOG_LEVEL: "warn" } });
    expect(dead.result.explicitAcks).toEqual(["msg-flaky"]);
    const row = await emailByKey(message.idempotencyKey);
    expect(row).toMatchObject({ status: "failed", attempts: 3 });
    expect(row!.lastError).toMatch(/^Gave up after 3 delivery attempts: resend: 503/);
    expect(errors.mock.calls.map((c) => JSON.parse(String(c[0])).event)).toContain("email.dead_lettered");
    expect(await outboxFor(message.to)).toHaveLength(0);
  });

  it("fails at once (no retry) when the provider rejects the email permanently", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(
      Response.json({ name: "validation_error", message: "Invalid `to` field." }, { status: 422 }),
    );
    vi.spyOn(console, "error").mockImplementation(() => {});
    const message = receiptMessage();
    const { result } = await runQueue(message, {
      env: { EMAIL_PROVIDER: "resend", RESEND_API_KEY: "re_test_key", RESEND_API_URL: "https://api.resend.test" },
    });
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await emailByKey(message.idempotencyKey)).toMatchObject({ status: "failed", lastError: "resend: 422 Invalid `to` field." });
  });

  it("rejects malformed messages with a logged reason, without retrying or failing the rest of the batch", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const good = receiptMessage();
    const cases: Array<[string, unknown, RegExp]> = [
      ["not an object", "hello", /invalid message/],
      ["bad address", { ...receiptMessage(), to: "not-an-address" }, /invalid message: to/],
      ["unknown template", { ...receiptMessage(), template: "birthday-card" }, /unknown template "birthday-card"/],
      ["missing data", { ...receiptMessage(), data: receiptData({ amount: undefined, receiptUrl: undefined }) }, /invalid data for payment-receipt: amount, receiptUrl/],
      ["javascript: link", { ...receiptMessage(), data: receiptData({ receiptUrl: "javascript:alert(1)" }) }, /receiptUrl/],
      ["float money", { ...receiptMessage(), data: receiptData({ amount: 19.99 }) }, /amount/],
    ];
    const { createMessageBatch, createExecutionContext, getQueueResult } = await import("cloudflare:test");
    const worker = (await import("../../workers/app")).default;
    const batch = createMessageBatch("coursemint-emails", [
      ...cases.map(([label, body], i) => ({ id: `bad-${i}-${label.replace(/\W/g, "")}-${good.idempotencyKey}`, timestamp: new Date(), attempts: 1, body })),
      { id: `good-${good.idempotencyKey}`, timestamp: new Date(), attempts: 1, body: good },
    ]);
    const ctx = createExecutionContext();
    await worker.queue!(batch as MessageBatch<unknown>, { ...env, LOG_LEVEL: "warn" } as unknown as Env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(cases.length + 1);
    expect(await outboxFor(good.to)).toHaveLength(1);

    const logged = warnings.mock.calls.map((c) => JSON.parse(String(c[0]))).filter((l) => l.event === "email.rejected");
    expect(logged).toHaveLength(cases.length);
    for (const [i, [, , reason]] of cases.entries()) {
      expect(logged[i].reason).toMatch(reason);
      const row = await emailByKey(`rejected/${batch.messages[i]!.id}`);
      expect(row).toMatchObject({ status: "rejected" });
      expect(row!.lastError).toMatch(reason);
    }
  });

  it("a corrected message may reuse the key of a rejected one", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const message = receiptMessage();
    await runQueue({ ...message, data: receiptData({ amount: "lots" }) });
    const { result } = await runQueue(message);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await outboxFor(message.to)).toHaveLength(1);
  });

  it("a message whose sender is still mid-send is retried after the lease, not sent twice", async () => {
    const message = receiptMessage();
    await runQueue(message);
    const row = (await emailByKey(message.idempotencyKey))!;
    // Simulate another consumer holding the email right now.
    const { eq } = await import("drizzle-orm");
    await db().update(emails).set({ status: "sending", lockedUntil: Date.now() + 20_000 }).where(eq(emails.id, row.id)).run();
    const { result } = await runQueue(message);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toHaveLength(1);
    expect(await db().select().from(emailOutbox).where(eq(emailOutbox.emailId, row.id)).all()).toHaveLength(1);
  });

  it("the dead-letter consumer leaves sent emails alone", async () => {
    const message = receiptMessage();
    await runQueue(message);
    const dead = await runDeadLetter(message);
    expect(dead.result.explicitAcks).toHaveLength(1);
    expect(await emailByKey(message.idempotencyKey)).toMatchObject({ status: "sent" });
  });
});

describe("sendEmail (producer)", () => {
  it("validates before queueing and names the bad fields", async () => {
    const { sendEmail } = await import("~/modules/email/email.server");
    const app = { env, requestId: "req_test", logger: { info() {} } } as never;
    await expect(
      sendEmail(app, { template: "payment-receipt", to: uniqueAddress(), idempotencyKey: uniqueKey(), data: receiptData({ currency: "xyz" }) as never }),
    ).rejects.toMatchObject({ code: "validation_failed", details: { fieldErrors: { "data.currency": expect.any(Array) } } });
    await expect(
      sendEmail(app, { template: "nope" as never, to: uniqueAddress(), idempotencyKey: uniqueKey(), data: {} as never }),
    ).rejects.toMatchObject({ code: "validation_failed" });
    await expect(
      sendEmail(app, { template: "payment-receipt", to: "bad", idempotencyKey: "has space", data: receiptData() as never }),
    ).rejects.toMatchObject({ details: { fieldErrors: { to: expect.any(Array), idempotencyKey: expect.any(Array) } } });
  });

  it("puts a valid message on the EMAILS queue, which delivers it", async () => {
    const { sendEmail } = await import("~/modules/email/email.server");
    const to = uniqueAddress();
    const app = { env, requestId: "req_test", logger: { info() {} } } as never;
    const message = await sendEmail(app, {
      template: "tokens-awarded",
      to,
      idempotencyKey: uniqueKey("tokens"),
      data: { name: "Grace", tokens: 50, reason: "Finished a course", balance: 1250, awardedAt: Date.UTC(2026, 0, 2), walletUrl: "https://coursemint.example/tokens" },
    });
    expect(message).toMatchObject({ v: 1, template: "tokens-awarded", to, requestId: "req_test" });
    const [mail] = await waitFor(async () => {
      const rows = await outboxFor(to);
      return rows.length ? rows : null;
    });
    expect(mail!.subject).toBe("You earned 50 tokens");
    expect(mail!.text).toContain("New balance: 1,250 tokens");
  });
});

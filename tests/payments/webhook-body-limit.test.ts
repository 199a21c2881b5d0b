import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { WEBHOOK_BODY_LIMIT } from "~/modules/payments/stripe-events.server";
import { readBodyLimited } from "~/utils/body.server";
import { stripeEvents } from "~drizzle/schema";
import { db, waitFor } from "../helpers";
import { signStripePayload } from "./helpers";

/* Issue 11, finding 8: the webhook endpoint reads at most WEBHOOK_BODY_LIMIT bytes, before any signature work. */

const URL = "http://localhost/api/webhooks/stripe";
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A Stripe event of an unknown type whose serialized body is exactly `bytes` long. */
function eventOfSize(bytes: number) {
  const id = `evt_limit${crypto.randomUUID().replace(/-/g, "")}`;
  const base = { id, object: "event", type: "coursemint.test_padding", created: nowSeconds(), data: { object: { id: "obj_1", object: "thing", padding: "" } } };
  const padding = "x".repeat(bytes - JSON.stringify(base).length);
  const body = JSON.stringify({ ...base, data: { object: { ...base.data.object, padding } } });
  expect(body.length).toBe(bytes);
  return { id, body };
}

describe("webhook body limit", () => {
  it(`refuses a correctly signed body over ${WEBHOOK_BODY_LIMIT / 1024} KiB with 413, storing and queuing nothing`, async () => {
    const { id, body } = eventOfSize(WEBHOOK_BODY_LIMIT + 1);
    const response = await SELF.fetch(URL, { method: "POST", body, headers: { "Stripe-Signature": await signStripePayload(body, env.STRIPE_WEBHOOK_SECRET, nowSeconds()) } });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: "payload_too_large", details: { limitBytes: WEBHOOK_BODY_LIMIT } } });
    expect(await db().select().from(stripeEvents).where(eq(stripeEvents.id, id)).get()).toBeUndefined();
  });

  it("checks the size before the signature: a forged oversized body is 413, not a signature check", async () => {
    const { body } = eventOfSize(WEBHOOK_BODY_LIMIT * 4);
    const response = await SELF.fetch(URL, { method: "POST", body, headers: { "Stripe-Signature": `t=${nowSeconds()},v1=${"0".repeat(64)}` } });
    expect(response.status).toBe(413);
  });

  it("refuses a declared Content-Length over the limit, and a streamed body without one once it passes the limit", async () => {
    const declared = await SELF.fetch(URL, {
      method: "POST",
      body: "{}",
      headers: { "Stripe-Signature": `t=${nowSeconds()},v1=${"0".repeat(64)}`, "Content-Length": String(WEBHOOK_BODY_LIMIT + 1) },
    }).catch(() => null);
    // workerd may refuse a Content-Length that does not match the body before it reaches the Worker; either way nothing is accepted.
    if (declared) expect(declared.status).toBe(413);

    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const streamed = await SELF.fetch(URL, { method: "POST", body: stream, headers: { "Stripe-Signature": `t=${nowSeconds()},v1=${"0".repeat(64)}` } });
    expect(streamed.status).toBe(413);
    expect(sent).toBeLessThan(8); // the rest was never read
  });

  it("reads a declared length at once, and still refuses a body longer than its declared length", async () => {
    const post = (body: string, length: number) => new Request(URL, { method: "POST", body, headers: { "Content-Length": String(length) } });
    expect(new TextDecoder().decode(await readBodyLimited(post("x".repeat(10), 10), 10))).toBe("x".repeat(10));
    await expect(readBodyLimited(post("x".repeat(100), 5), 10)).rejects.toMatchObject({ code: "payload_too_large" });
  });

  it("accepts a correctly signed body at the limit", async () => {
    const { id, body } = eventOfSize(WEBHOOK_BODY_LIMIT);
    const response = await SELF.fetch(URL, { method: "POST", body, headers: { "Stripe-Signature": await signStripePayload(body, env.STRIPE_WEBHOOK_SECRET, nowSeconds()) } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    const row = await waitFor(async () => {
      const r = await db().select().from(stripeEvents).where(eq(stripeEvents.id, id)).get();
      return r && r.status !== "received" ? r : undefined;
    });
    expect(row.status).toBe("ignored");
  });
});

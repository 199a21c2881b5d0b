import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { syncDispute } from "~/modules/payments/disputes.server";
import { getEntitlement } from "~/modules/subscriptions/entitlements.server";
import { createId } from "~/utils/ids";
import { disputes, payments } from "~drizzle/schema";
import { createAppContext } from "../../workers/app";
import { db } from "../helpers";
import { clockedLearner, emulator, invoicesOf, rowFor, runCron, stripe, subscribe, syncWebhooks } from "./helpers";

// A renewal's charge is disputed before its `invoice.paid` is handled: the dispute's events are
// another queue group than the invoice's (a dispute names no customer), so the dispute can come
// first. It must not be dropped as "not our payment": it retries until the renewal is recorded.

const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));

beforeAll(async () => {
  await emulator().reset();
});

beforeEach(async () => {
  await emulator().clearFaults();
  await emulator().configure({ paused: false, order: "in_order", duplicates: 0 });
});

describe("a dispute of a renewal", () => {
  it("handled before the renewal's invoice.paid: retried, then applied to the renewal payment", async () => {
    const learner = await clockedLearner();
    expect((await subscribe(learner, "pro")).status).toBe(201);
    const [row] = await rowFor(learner.user.id);
    await stripe().subscriptions.update(row!.stripeSubscriptionId, { default_payment_method: "pm_card_createDispute" });
    await syncWebhooks();
    await learner.advance(31);

    const renewal = (await invoicesOf(learner.customer.id)).find((i) => i.billing_reason === "subscription_cycle")!;
    expect(renewal.status).toBe("paid");
    const paidWith = (await stripe().invoices.retrieve(renewal.id!, { expand: ["payments"] })).payments!.data[0]!.payment.payment_intent;
    await emulator().pending(); // the pull opens the renewal charge's dispute
    const created = (await emulator().events("charge.dispute.created")).find((e) => e.data.object.payment_intent === paidWith);
    expect(created).toBeDefined();
    const stripeDisputeId = created!.data.object.id as string;
    const renewalPayments = () => db().select().from(payments).where(eq(payments.userId, learner.user.id)).all();
    expect(await renewalPayments()).toHaveLength(1); // the start only: the renewal is not recorded yet

    // Handled first: a retry is asked for, nothing is written.
    await expect(syncDispute(app(), stripeDisputeId)).rejects.toThrow(/not recorded yet/);
    expect(await db().select().from(disputes).where(eq(disputes.stripeDisputeId, stripeDisputeId)).get()).toBeUndefined();
    expect((await getEntitlement(app(), learner.user.id)).tier).toBe("pro");

    // The renewal is recorded (here by the renewals cron, as when its webhook is late); the retry applies.
    await runCron();
    const recorded = (await renewalPayments()).find((p) => p.metadata.invoiceId === renewal.id)!;
    expect(recorded).toMatchObject({ amount: renewal.amount_paid, purpose: "subscription", status: "succeeded" });
    expect(await syncDispute(app(), stripeDisputeId)).toBe("processed");
    const dispute = (await db().select().from(disputes).where(eq(disputes.stripeDisputeId, stripeDisputeId)).get())!;
    expect(dispute).toMatchObject({ paymentId: recorded.id, userId: learner.user.id, status: "needs_response", effects: "opened" });
    expect((await getEntitlement(app(), learner.user.id)).tier).toBe("free");

    // The webhooks then converge on the same state: one dispute, effects applied once.
    await syncWebhooks();
    expect(await db().select().from(disputes).where(eq(disputes.paymentId, recorded.id)).all()).toHaveLength(1);
    expect((await getEntitlement(app(), learner.user.id)).tier).toBe("free");
  });

  it("a dispute of a charge that is not our customers' is still ignored", async () => {
    const s = stripe();
    const stranger = await s.customers.create({ email: "someone-else@example.com" });
    const intent = await s.paymentIntents.create({ amount: 1234, currency: "usd", customer: stranger.id, payment_method: "pm_card_createDispute", confirm: true });
    expect(intent.status).toBe("succeeded");
    await emulator().pending();
    const created = (await emulator().events("charge.dispute.created")).find((e) => e.data.object.payment_intent === intent.id)!;
    expect(await syncDispute(app(), created.data.object.id)).toBe("ignored");
    expect(await db().select().from(disputes).where(eq(disputes.stripeDisputeId, created.data.object.id)).get()).toBeUndefined();
  });
});

import { env, SELF } from "cloudflare:test";
import { and, eq, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getEntitlement } from "~/modules/subscriptions/entitlements.server";
import { createId } from "~/utils/ids";
import { auditLog, disputes, licenses, organizations, payments } from "~drizzle/schema";
import { Browser, db, insertUser, waitFor } from "../helpers";
import { createAppContext } from "../../workers/app";
import { emulator, waitForHandled } from "../payments/helpers";
import { rowFor, runCron, stripe, syncWebhooks } from "../subscriptions/helpers";
import { validate } from "./helpers";

// A chargeback of an Enterprise subscription invoice, through the real path: Stripe's dispute test
// card pays the invoice, the emulator opens the dispute at the next delivery pull, the events go
// through the signed webhook, the queue and payments' dispute stages, and licensing reacts through
// its PaymentHooks.disputed (LICENSE_DISPUTE_POLICY): suspended while open, active when won, ended
// when lost; duplicates and out-of-order deliveries change nothing. Real time throughout (no test
// clock): nothing here waits for a renewal.

/** A signed-in learner (their Stripe customer is created by the first subscription). */
async function newLearner() {
  const user = await insertUser("student");
  const browser = new Browser();
  await browser.login(user.email);
  return { user, browser, relogin: () => browser.login(user.email) };
}
type Learner = Awaited<ReturnType<typeof newLearner>>;
const subscribe = (learner: Learner, paymentMethod: string) =>
  learner.browser.json("/api/subscriptions/create", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ tier: "enterprise", interval: "month", flow: "payment_method", paymentMethod }) });


const DISPUTE_CARD = "pm_card_createDispute";
const notDispute = (d: { type: string }) => !d.type.startsWith("charge.dispute.");
const onlyDispute = (d: { type: string }) => d.type.startsWith("charge.dispute.");
const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));
const deliver = async (only: (d: { type: string }) => boolean) => {
  const delivered = await emulator().deliverWebhooks((r) => SELF.fetch(r), { only });
  await waitForHandled(delivered);
  return delivered;
};

async function licenseOf(userId: string) {
  const row = await db()
    .select({ license: licenses })
    .from(licenses)
    .innerJoin(organizations, eq(organizations.id, licenses.organizationId))
    .where(and(eq(organizations.ownerId, userId), eq(licenses.source, "subscription")))
    .get();
  return row?.license ?? null;
}
async function keyOf(learner: Learner) {
  const license = (await licenseOf(learner.user.id))!;
  const res = await learner.browser.json(`/api/enterprise/licenses/${license.id}`);
  expect(res.status).toBe(200);
  return res.body.key as string;
}
const disputeOfUser = async (userId: string) => {
  const rows = await db().select().from(disputes).where(eq(disputes.userId, userId)).all();
  return rows.sort((a, b) => a.stripeCreatedAt - b.stripeCreatedAt || a.id.localeCompare(b.id));
};
const licenseAudit = (licenseId: string) =>
  db()
    .select()
    .from(auditLog)
    .where(eq(auditLog.targetId, licenseId))
    .orderBy(auditLog.id)
    .all()
    .then((rows) => rows.map((r) => `${r.action}${(r.metadata as { reason?: string } | null)?.reason ? `:${(r.metadata as { reason: string }).reason}` : ""}`));
const tierOf = async (learner: Learner) => (await getEntitlement(app(), learner.user.id)).tier;
const resolve = async (stripeDisputeId: string, win: boolean) =>
  stripe().disputes.update(stripeDisputeId, { evidence: { uncategorized_text: win ? "winning_evidence" : "losing_evidence" }, submit: true });

/** An Enterprise subscriber whose first invoice was paid with the dispute card; the license exists and is valid (the dispute's events are held back). */
async function disputedEnterprise() {
  const learner = await newLearner();
  expect((await subscribe(learner, DISPUTE_CARD)).status).toBe(201);
  await deliver(notDispute); // this pull also opens the dispute at Stripe
  const license = (await licenseOf(learner.user.id))!;
  expect(license).toMatchObject({ status: "active", tier: "enterprise", suspendedReason: null });
  const key = await keyOf(learner);
  expect((await validate(key)).body.code).toBe("VALID");
  return { learner, license, key };
}

describe("a disputed Enterprise invoice and the organization's license", () => {
  it("is suspended while the dispute is open (the tier drops too), and active again when it is won", async () => {
    const { learner, license, key } = await disputedEnterprise();
    await syncWebhooks();
    const [opened] = await disputeOfUser(learner.user.id);
    expect(opened).toMatchObject({ status: "needs_response", effects: "opened" });
    const payment = (await db().select().from(payments).where(eq(payments.id, opened!.paymentId)).get())!;
    expect(payment.purpose).toBe("subscription");
    expect(await licenseOf(learner.user.id)).toMatchObject({ id: license.id, status: "suspended", suspendedReason: "payment_disputed", expiresAt: license.expiresAt });
    expect((await validate(key)).body.code).toBe("SUSPENDED");
    expect((await rowFor(learner.user.id))[0]!.disputeId).toBe(opened!.id);
    expect(await tierOf(learner)).toBe("free");

    // The cron's reconciliation and a duplicate delivery of every dispute event change nothing.
    await runCron();
    for (const e of (await emulator().events()).filter((x) => x.type.startsWith("charge.dispute.") && x.data.object.id === opened!.stripeDisputeId)) await emulator().resend(e.id, 2);
    await syncWebhooks();
    expect(await licenseOf(learner.user.id)).toMatchObject({ status: "suspended", suspendedReason: "payment_disputed" });
    expect((await licenseAudit(license.id)).filter((a) => a === "license.suspended:payment_disputed")).toHaveLength(1);

    await resolve(opened!.stripeDisputeId, true);
    await syncWebhooks();
    expect((await disputeOfUser(learner.user.id))[0]).toMatchObject({ status: "won", effects: "won" });
    expect(await licenseOf(learner.user.id)).toMatchObject({ id: license.id, status: "active", suspendedReason: null, autoRenews: true, expiresAt: license.expiresAt });
    expect((await rowFor(learner.user.id))[0]!.disputeId).toBeNull();
    expect(await tierOf(learner)).toBe("enterprise");
    await learner.relogin();
    expect((await validate(key)).body.code).toBe("VALID");
    await runCron();
    expect((await licenseOf(learner.user.id))!.status).toBe("active");
    expect(await licenseAudit(license.id)).toEqual(expect.arrayContaining(["license.created", "license.suspended:payment_disputed", "license.reinstated"]));
  });

  it("ends when the dispute is lost (subscription canceled, expiry brought forward); stale events and the cron do not bring it back; a new subscription does", async () => {
    const { learner, license, key } = await disputedEnterprise();
    await syncWebhooks();
    const [opened] = await disputeOfUser(learner.user.id);
    await resolve(opened!.stripeDisputeId, false);
    await syncWebhooks();
    expect((await disputeOfUser(learner.user.id))[0]).toMatchObject({ status: "lost", effects: "lost" });
    const sub = (await rowFor(learner.user.id))[0]!;
    expect(sub).toMatchObject({ status: "canceled", disputeId: opened!.id });
    const ended = (await licenseOf(learner.user.id))!;
    expect(ended).toMatchObject({ status: "suspended", suspendedReason: "dispute_lost", autoRenews: false });
    expect(ended.expiresAt).toBeLessThanOrEqual(Date.now());
    expect(ended.expiresAt).toBeLessThan(license.expiresAt);
    expect((await validate(key)).body.code).toBe("SUSPENDED");

    // Every event of the subscription again (an `invoice.paid` and `customer.subscription.created`
    // saying "active" among them), then the cron: the license stays ended.
    const mine = (await emulator().events()).filter((e) => e.data.object.customer === sub.stripeCustomerId || e.data.object.id === opened!.stripeDisputeId);
    expect(mine.some((e) => e.type === "invoice.paid")).toBe(true);
    for (const e of mine) await emulator().resend(e.id);
    await syncWebhooks();
    await runCron();
    expect(await licenseOf(learner.user.id)).toMatchObject({ status: "suspended", suspendedReason: "dispute_lost", expiresAt: ended.expiresAt });
    expect((await licenseAudit(license.id)).filter((a) => a.startsWith("license.ended_after_dispute"))).toHaveLength(1);

    // Subscribing again with a good card pays for it again: the same license is reinstated.
    await learner.relogin();
    expect((await subscribe(learner, "pm_card_visa")).status).toBe(201);
    await syncWebhooks();
    const again = (await licenseOf(learner.user.id))!;
    expect(again).toMatchObject({ id: license.id, status: "active", suspendedReason: null, autoRenews: true });
    expect(again.subscriptionId).not.toBe(sub.id);
    expect((await validate(key)).body.code).toBe("VALID");
  });

  it("a dispute handled before the invoice's license events: no license is created while it is open; winning creates it", async () => {
    const learner = await newLearner();
    expect((await subscribe(learner, DISPUTE_CARD)).status).toBe(201);
    await emulator().pending(); // the bank opens the dispute
    await deliver(onlyDispute);
    const [opened] = await disputeOfUser(learner.user.id);
    expect(opened).toMatchObject({ status: "needs_response", effects: "opened" });
    expect(await licenseOf(learner.user.id)).toBeNull();
    // Now the subscription's own events (created, invoice paid …), and the cron: still none.
    await deliver(notDispute);
    await runCron();
    expect(await licenseOf(learner.user.id)).toBeNull();
    expect(await tierOf(learner)).toBe("free");

    await resolve(opened!.stripeDisputeId, true);
    await syncWebhooks();
    const license = await waitFor(async () => (await licenseOf(learner.user.id)) ?? undefined);
    expect(license).toMatchObject({ status: "active", tier: "enterprise", subscriptionId: (await rowFor(learner.user.id))[0]!.id });
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.targetId, license.id), like(auditLog.action, "license.%"))).all();
    expect(audit.map((a) => a.action)).toEqual(["license.created"]);
  });

  it("a `created` event arriving after `closed` (lost) leaves the license ended", async () => {
    const { learner, license } = await disputedEnterprise();
    // Ours is the dispute of the invoice's PaymentIntent (the payment row subscriptions recorded).
    const invoicePayment = await waitFor(() => db().select().from(payments).where(and(eq(payments.userId, learner.user.id), eq(payments.purpose, "subscription"))).get());
    const target = (await stripe().disputes.list({ payment_intent: invoicePayment.stripePaymentIntentId! })).data[0]!;
    expect(target.status).toBe("needs_response");
    await stripe().disputes.close(target.id);
    await deliver((d) => d.type === "charge.dispute.closed");
    expect((await disputeOfUser(learner.user.id))[0]).toMatchObject({ status: "lost", effects: "lost" });
    expect(await licenseOf(learner.user.id)).toMatchObject({ status: "suspended", suspendedReason: "dispute_lost" });
    await syncWebhooks(); // created, updated, funds_withdrawn: older news
    expect(await licenseOf(learner.user.id)).toMatchObject({ status: "suspended", suspendedReason: "dispute_lost" });
    expect((await licenseAudit(license.id)).filter((a) => a.startsWith("license.suspended"))).toHaveLength(0);
  });
});

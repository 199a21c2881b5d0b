import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { RENEWAL_GRACE_MS, syncLicenseWithSubscription } from "~/modules/licensing/subscription-sync.server";
import { createId } from "~/utils/ids";
import { auditLog, licenses, organizationMembers, organizations, subscriptions } from "~drizzle/schema";
import { createAppContext } from "../../workers/app";
import { clockedLearner, rowFor, runCron, stripe, subscribe, syncWebhooks, type Learner } from "../subscriptions/helpers";
import { db, insertUser, jsonBody } from "../helpers";
import { activate, validate } from "./helpers";

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

describe("Enterprise subscription → license (through the Stripe emulator)", () => {
  it("creates the license on payment, extends it on renewal, suspends it after the subscription ends", async () => {
    const learner = await clockedLearner();
    expect((await subscribe(learner, "enterprise")).status).toBe(201);
    await syncWebhooks();
    const sub = (await rowFor(learner.user.id))[0]!;
    const license = (await licenseOf(learner.user.id))!;
    expect(license).toMatchObject({ status: "active", tier: "enterprise", subscriptionId: sub.id, autoRenews: true, expiresAt: sub.currentPeriodEnd + RENEWAL_GRACE_MS });
    const member = await db().select().from(organizationMembers).where(eq(organizationMembers.organizationId, license.organizationId)).all();
    expect(member).toEqual([expect.objectContaining({ userId: learner.user.id, role: "owner" })]);
    // Duplicated deliveries and the cron change nothing.
    await runCron(learner.now * 1000);
    expect(await licenseOf(learner.user.id)).toEqual(license);

    const key = await keyOf(learner);
    expect((await activate(key, "subscriber-laptop-01")).status).toBe(201);
    expect((await validate(key, { fingerprint: "subscriber-laptop-01", feature: "white_label" })).body.code).toBe("VALID");

    // Renewal extends it.
    await learner.advance(31);
    await syncWebhooks();
    await runCron(learner.now * 1000);
    const renewed = (await rowFor(learner.user.id))[0]!;
    expect(renewed.currentPeriodEnd).toBeGreaterThan(sub.currentPeriodEnd);
    expect((await licenseOf(learner.user.id))!).toMatchObject({ status: "active", expiresAt: renewed.currentPeriodEnd + RENEWAL_GRACE_MS });

    // Cancel at period end: no longer auto-renewing; suspended once the subscription has ended.
    expect((await learner.browser.json("/api/subscriptions/cancel", jsonBody({}))).status).toBe(200);
    await syncWebhooks();
    expect((await licenseOf(learner.user.id))!).toMatchObject({ status: "active", autoRenews: false });
    await learner.advance(32);
    await syncWebhooks();
    await runCron(learner.now * 1000);
    expect((await rowFor(learner.user.id))[0]!.status).toBe("canceled");
    const ended = (await licenseOf(learner.user.id))!;
    expect(ended).toMatchObject({ status: "suspended", suspendedReason: "subscription_ended" });
    await learner.relogin();
    expect((await validate(key)).body.code).toBe("SUSPENDED");

    const actions = (await db().select().from(auditLog).where(eq(auditLog.targetId, license.id)).orderBy(auditLog.id).all()).map((a) => a.action);
    expect(actions[0]).toBe("license.created");
    expect(actions).toContain("license.extended");
    expect(actions).toContain("license.suspended");

    // Subscribing to Enterprise again reinstates and extends the same license.
    await learner.relogin();
    expect((await subscribe(learner, "enterprise")).status).toBe(201);
    await syncWebhooks();
    expect((await licenseOf(learner.user.id))!).toMatchObject({ id: license.id, status: "active", suspendedReason: null, autoRenews: true });
    expect((await validate(key)).body.code).toBe("VALID");
  });

  it("suspends after failed dunning past the grace period", async () => {
    const learner = await clockedLearner();
    await subscribe(learner, "enterprise");
    await syncWebhooks();
    const row = (await rowFor(learner.user.id))[0]!;
    await stripe().subscriptions.update(row.stripeSubscriptionId, { default_payment_method: "pm_card_chargeCustomerFail" });
    await learner.advance(31);
    await syncWebhooks();
    await runCron(learner.now * 1000);
    // Past due: the dunning grace period keeps the license active.
    expect((await rowFor(learner.user.id))[0]!.status).toBe("past_due");
    expect((await licenseOf(learner.user.id))!.status).toBe("active");
    for (const days of [1, 2, 2, 2, 2]) {
      await learner.advance(days);
      await runCron(learner.now * 1000);
      await syncWebhooks();
    }
    await runCron(learner.now * 1000);
    expect((await rowFor(learner.user.id))[0]!.status).toBe("canceled");
    expect((await licenseOf(learner.user.id))!).toMatchObject({ status: "suspended", suspendedReason: "subscription_ended" });
  });

  it("the checkout return and the webhook activating at once make one organization and one license", async () => {
    const learner = await clockedLearner();
    await subscribe(learner, "enterprise");
    await syncWebhooks();
    const template = (await rowFor(learner.user.id))[0]!;
    // A second Enterprise subscriber whose license nobody has created yet.
    const owner = await insertUser("student", { name: "Race Owner" });
    const sub = { ...template, id: createId("subscription"), userId: owner.id, stripeSubscriptionId: `sub_race_${owner.id}` };
    await db().insert(subscriptions).values(sub);
    const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));
    const results = await Promise.all(Array.from({ length: 5 }, () => syncLicenseWithSubscription(app(), sub)));
    const orgs = await db().select().from(organizations).where(eq(organizations.ownerId, owner.id)).all();
    expect(orgs).toHaveLength(1);
    const owned = await db().select().from(licenses).where(eq(licenses.organizationId, orgs[0]!.id)).all();
    expect(owned).toEqual([expect.objectContaining({ subscriptionId: sub.id, status: "active" })]);
    expect(new Set(results.map((l) => l!.id))).toEqual(new Set([owned[0]!.id]));
    const members = await db().select().from(organizationMembers).where(eq(organizationMembers.userId, owner.id)).all();
    expect(members).toEqual([expect.objectContaining({ organizationId: orgs[0]!.id, role: "owner" })]);
  });

  it("Pro subscriptions create no license", async () => {
    const learner = await clockedLearner();
    await subscribe(learner, "pro");
    await syncWebhooks();
    await runCron(learner.now * 1000);
    expect(await licenseOf(learner.user.id)).toBeNull();
  });
});

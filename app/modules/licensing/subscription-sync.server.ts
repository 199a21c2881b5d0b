import { and, eq, gt, inArray, isNull, or, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { targetStage } from "~/modules/payments/disputes-policy";
import type { PaymentForPurpose } from "~/modules/payments/purposes";
import type { StripeEventHandler } from "~/modules/payments/registry";
import { ENTITLED_STATUSES, findByStripeId, type SubscriptionRow } from "~/modules/subscriptions/stripe-sync.server";
import { DAY, now } from "~/utils/clock";
import { createId } from "~/utils/ids";
import { disputes, licenses, organizations, subscriptions, users } from "~drizzle/schema";
import { applyLicenseChange, firstKeyInsert, NO_POLICY, type License } from "./licenses.server";
import { organizationInserts } from "./organizations.server";
import { LICENSE_DISPUTE_POLICY } from "./policy";
import { licenseDefaults } from "./tiers";

/*
 * Enterprise subscriptions → licenses (docs/licensing.md#from-a-subscription). An Enterprise
 * subscription in an entitled status (active, trialing, or past_due during dunning) keeps its
 * owner's organization license active until the paid period's end plus RENEWAL_GRACE_MS; each
 * renewal extends it. When the subscription ends (canceled at period end, canceled after the last
 * dunning retry, downgraded to Pro) the license is suspended with reason `subscription_ended`;
 * a new Enterprise subscription reinstates and extends it. Admin suspensions and revocations are
 * never undone here. Runs from the Stripe events licensing registers (after subscriptions has
 * updated its row) and from the 15-minute cron as a reconciliation; both are idempotent.
 *
 * A chargeback of one of the subscription's invoices (subscriptions sets `dispute_id` while it is
 * open or was lost) takes precedence, per LICENSE_DISPUTE_POLICY: open → suspended
 * `payment_disputed`; lost → ended (`dispute_lost`); won (`dispute_id` cleared) → back to what the
 * subscription alone says. The license is a function of the subscription row and its dispute, not
 * of the order events arrive in: a duplicate changes nothing, a renewal's `invoice.paid` during the
 * dispute extends the expiry but does not reactivate, and no license is created while disputed.
 */

/** Time after the paid period's end before an unrenewed subscription license expires. */
export const RENEWAL_GRACE_MS = 3 * DAY;

const isEntitledEnterprise = (sub: SubscriptionRow) => sub.tier === "enterprise" && (ENTITLED_STATUSES as readonly string[]).includes(sub.status);

const { openReason, lostReason } = LICENSE_DISPUTE_POLICY;
/** Suspensions this path made and may lift (admin suspensions carry another reason and are never lifted here). */
const SUBSCRIPTION_SUSPENSIONS: readonly string[] = ["subscription_ended", openReason, lostReason];

const licenseOfSubscription = (app: AppContext, subscriptionId: string) =>
  app.db.select().from(licenses).where(and(eq(licenses.subscriptionId, subscriptionId), eq(licenses.source, "subscription"))).get();

export async function syncLicenseWithSubscription(app: AppContext, sub: SubscriptionRow): Promise<License | null> {
  const disputed = await disputeStageOf(app, sub);
  if (disputed) return holdForDispute(app, sub, disputed);
  if (isEntitledEnterprise(sub)) return activateForSubscription(app, sub);
  const license = await licenseOfSubscription(app, sub.id);
  if (!license) return null;
  if (license.status === "revoked") return license;
  const set: Partial<License> = { autoRenews: false };
  if (license.status === "active" || (license.status === "suspended" && license.suspendedReason === openReason)) Object.assign(set, { status: "suspended", suspendedReason: "subscription_ended" });
  return applyLicenseChange(app, license, set, {
    actorId: null,
    action: set.status ? "license.suspended" : "license.subscription_synced",
    extra: { subscriptionId: sub.id, subscriptionStatus: sub.status, subscriptionTier: sub.tier, reason: "subscription_ended" },
  });
}

/** What an open or lost chargeback of one of the subscription's invoices calls for; null when there is none (or it was won). */
async function disputeStageOf(app: AppContext, sub: SubscriptionRow): Promise<"opened" | "lost" | null> {
  if (!sub.disputeId) return null;
  const dispute = await app.db.select({ status: disputes.status }).from(disputes).where(eq(disputes.id, sub.disputeId)).get();
  if (!dispute) return null;
  const stage = targetStage(dispute.status);
  if (stage === "lost") return "lost";
  return stage === "opened" && LICENSE_DISPUTE_POLICY.suspendWhileOpen ? "opened" : null;
}

/**
 * The subscription's license while one of its invoices is charged back: suspended while open,
 * ended when lost. Never creates a license (one whose creating events come after the dispute's is
 * created once the dispute is won), never touches an admin suspension or a revocation.
 */
async function holdForDispute(app: AppContext, sub: SubscriptionRow, stage: "opened" | "lost"): Promise<License | null> {
  const license = await licenseOfSubscription(app, sub.id);
  if (!license) return null;
  const extra = { subscriptionId: sub.id, subscriptionStatus: sub.status, disputeId: sub.disputeId };
  if (stage === "opened") {
    if (license.status !== "active") return license;
    return applyLicenseChange(app, license, { status: "suspended", suspendedReason: openReason }, { actorId: null, action: "license.suspended", extra: { ...extra, reason: openReason } });
  }
  const ours = license.status === "active" || (license.status === "suspended" && license.suspendedReason === openReason);
  if (!ours) return license;
  return applyLicenseChange(
    app,
    license,
    { status: "suspended", suspendedReason: lostReason, autoRenews: false, expiresAt: Math.min(license.expiresAt, now()) },
    { actorId: null, action: "license.ended_after_dispute", extra: { ...extra, reason: lostReason } },
  );
}

/**
 * Licensing's payment hook for a dispute stage: a disputed subscription invoice re-syncs the
 * subscription's license (subscriptions has already set or cleared `dispute_id`, as the purpose's
 * own `dispute` runs before every hook). Idempotent: the license is a function of the row.
 */
export async function onPaymentDisputed(app: AppContext, payment: PaymentForPurpose) {
  if (payment.purpose !== "subscription") return;
  const sub = await app.db.select().from(subscriptions).where(eq(subscriptions.id, payment.purposeRef)).get();
  if (sub) await syncLicenseWithSubscription(app, sub);
}

async function activateForSubscription(app: AppContext, sub: SubscriptionRow): Promise<License> {
  const t = now();
  const expiresAt = sub.currentPeriodEnd + RENEWAL_GRACE_MS;
  let license = await subscriptionLicenseOf(app, sub.userId);
  if (!license) {
    const owner = await app.db.select({ name: users.name }).from(users).where(eq(users.id, sub.userId)).get();
    const existingOrg = await app.db.select({ id: organizations.id }).from(organizations).where(eq(organizations.ownerId, sub.userId)).orderBy(organizations.createdAt).get();
    const created = existingOrg ? null : organizationInserts(app, { name: `${owner?.name ?? "My"}'s organization`, ownerId: sub.userId, actorId: null });
    const organizationId = existingOrg?.id ?? created!.org.id;
    const defaults = licenseDefaults("enterprise");
    const row: License = {
      id: createId("license"),
      organizationId,
      tier: "enterprise",
      status: "active",
      source: "subscription",
      ...defaults,
      metadata: {},
      startsAt: t,
      expiresAt,
      suspendedReason: null,
      subscriptionId: sub.id,
      autoRenews: !sub.cancelAtPeriodEnd,
      ...NO_POLICY,
      originalKeyRevokedAt: t, // born with keys that have ids only
      createdAt: t,
      updatedAt: t,
    };
    try {
      await app.db.batch([
        ...((created?.statements ?? []) as unknown as [never]),
        app.db.insert(licenses).values(row),
        firstKeyInsert(app, row.id, t).statement,
        auditInsert(app, { actorId: null, action: "license.created", targetType: "license", targetId: row.id, metadata: { organizationId, tier: "enterprise", expiresAt, source: "subscription", subscriptionId: sub.id } }),
      ]);
      app.logger.info("license.created", { licenseId: row.id, organizationId, subscriptionId: sub.id, userId: sub.userId });
      return row;
    } catch (error) {
      // A concurrent event created it first (one subscription license per organization): update that one.
      if (!String(error).includes("UNIQUE")) throw error;
      license = await subscriptionLicenseOf(app, sub.userId);
      if (!license) throw error;
    }
  }
  const set: Partial<License> = { subscriptionId: sub.id, autoRenews: !sub.cancelAtPeriodEnd, expiresAt: Math.max(license.expiresAt, expiresAt) };
  if (license.status === "suspended" && SUBSCRIPTION_SUSPENSIONS.includes(license.suspendedReason ?? "")) Object.assign(set, { status: "active", suspendedReason: null });
  if (license.status === "expired" && set.expiresAt! > t) set.status = "active";
  const extended = set.expiresAt! > license.expiresAt;
  return applyLicenseChange(app, license, set, {
    actorId: null,
    action: set.status === "active" ? "license.reinstated" : extended ? "license.extended" : "license.subscription_synced",
    extra: { subscriptionId: sub.id, subscriptionStatus: sub.status },
  });
}

/** The subscription license of the organizations the user owns. */
async function subscriptionLicenseOf(app: AppContext, userId: string) {
  const row = await app.db
    .select({ license: licenses })
    .from(licenses)
    .innerJoin(organizations, eq(organizations.id, licenses.organizationId))
    .where(and(eq(organizations.ownerId, userId), eq(licenses.source, "subscription")))
    .orderBy(organizations.createdAt)
    .get();
  return row?.license ?? null;
}

/**
 * Cron reconciliation: every subscription whose row changed after its license did, and every
 * entitled Enterprise subscription without a license. Catches events that were lost or handled
 * before licensing was registered.
 */
export async function reconcileSubscriptionLicenses(app: AppContext) {
  const rows = await app.db
    .select({ subscription: subscriptions })
    .from(subscriptions)
    .leftJoin(licenses, and(eq(licenses.subscriptionId, subscriptions.id), eq(licenses.source, "subscription")))
    .where(
      or(
        and(isNull(licenses.id), eq(subscriptions.tier, "enterprise"), inArray(subscriptions.status, [...ENTITLED_STATUSES]), isNull(subscriptions.disputeId)),
        and(sql`${licenses.id} is not null`, gt(subscriptions.updatedAt, licenses.updatedAt)),
      ),
    )
    .limit(200)
    .all();
  for (const { subscription } of rows) await syncLicenseWithSubscription(app, subscription);
  return rows.length;
}

// ---------------------------------------------------------------- Stripe events (registered after subscriptions)

const dataObject = (event: Parameters<StripeEventHandler>[1]) => (event.payload as { data?: { object?: unknown } }).data?.object;
const subscriptionObject = z.object({ object: z.literal("subscription"), id: z.string() }).loose();
const invoiceObject = z.object({ object: z.literal("invoice"), parent: z.object({ subscription_details: z.object({ subscription: z.string().nullish() }).nullish() }).nullish() }).loose();
const sessionObject = z.object({ object: z.literal("checkout.session"), subscription: z.string().nullish() }).loose();

function stripeSubscriptionIdOf(event: Parameters<StripeEventHandler>[1]): string | null {
  const object = dataObject(event);
  const sub = subscriptionObject.safeParse(object);
  if (sub.success) return sub.data.id;
  const invoice = invoiceObject.safeParse(object);
  if (invoice.success) return invoice.data.parent?.subscription_details?.subscription ?? null;
  const session = sessionObject.safeParse(object);
  if (session.success) return session.data.subscription ?? null;
  return null;
}

/** Reads our subscription row (already synced by the subscriptions handler that ran first) and syncs its license. */
const onSubscriptionChange: StripeEventHandler = async (app, event) => {
  const stripeId = stripeSubscriptionIdOf(event);
  if (!stripeId) return "ignored";
  const sub = await findByStripeId(app, stripeId);
  if (!sub) return "ignored";
  const license = await syncLicenseWithSubscription(app, sub);
  return license ? "processed" : "ignored";
};

export const LICENSING_EVENT_HANDLERS: Record<string, StripeEventHandler> = {
  "customer.subscription.created": onSubscriptionChange,
  "customer.subscription.updated": onSubscriptionChange,
  "customer.subscription.deleted": onSubscriptionChange,
  "invoice.paid": onSubscriptionChange,
  "invoice.payment_failed": onSubscriptionChange,
  "checkout.session.completed": onSubscriptionChange,
};

/**
 * What ending an Enterprise subscription does to the organization it pays for (said before the
 * owner confirms a cancellation or a downgrade): the license, suspended when the subscription ends
 * (its keys stop validating); the members, whose seats end then and who are told by email. The
 * organization, its members list, branding and history stay; a new Enterprise subscription
 * reinstates the license. Null when the subscription pays for no license.
 */
export async function enterpriseEndImpact(app: AppContext, subscriptionId: string | null) {
  if (!subscriptionId) return null;
  const row = await app.db
    .select({
      organizationId: organizations.id,
      organizationName: organizations.name,
      licenseId: licenses.id,
      status: licenses.status,
      maxSeats: licenses.maxSeats,
      members: sql<number>`(SELECT count(*) FROM organization_members WHERE organization_id = ${organizations.id})`,
      otherLicenses: sql<number>`(SELECT count(*) FROM licenses l2 WHERE l2.organization_id = ${organizations.id} AND l2.id <> ${licenses.id} AND l2.status = 'active' AND l2.expires_at > ${now()})`,
    })
    .from(licenses)
    .innerJoin(organizations, eq(organizations.id, licenses.organizationId))
    .where(and(eq(licenses.subscriptionId, subscriptionId), eq(licenses.source, "subscription")))
    .get();
  if (!row) return null;
  return { ...row, members: Number(row.members), otherLicenses: Number(row.otherLicenses) };
}
export type EnterpriseEndImpact = NonNullable<Awaited<ReturnType<typeof enterpriseEndImpact>>>;

/** The impact in words, for a confirmation step. `when` is "on <date>" or "at once". */
export function describeEnterpriseEnd(impact: EnterpriseEndImpact, when: string) {
  const others = impact.members - 1;
  const seats =
    impact.otherLicenses > 0
      ? `Members keep their seats through the organization's other licence${impact.otherLicenses > 1 ? "s" : ""}.`
      : others > 0
        ? `The ${others === 1 ? "other member loses" : `${others} other members lose`} the organization's plan ${when} (member prices, certificates, offline downloads); we email them when their seat ends.`
        : "Nobody else is a member, so no one else is affected.";
  return `${impact.organizationName}'s Enterprise licence is suspended ${when}: its license keys stop validating. ${seats} The organization, its members list, branding and history stay; subscribing to Enterprise again reinstates the licence.`;
}

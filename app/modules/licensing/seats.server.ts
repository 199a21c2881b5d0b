import { eq, sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { buildEmailMessage } from "~/modules/email/email.server";
import { chunk } from "~/utils/db.server";
import { now } from "~/utils/clock";
import { organizationMembers, organizations, users } from "~drizzle/schema";
import type { License } from "./licenses.server";
import { seatLimitSql } from "./organizations.server";

/*
 * When a license stops being in force (suspended, revoked, expired), every member whose seat it
 * was loses the organization's plan at once (the entitlement reads the license at read time); this
 * tells them by email. Members keep their seat when another license of the organization is still
 * in force. One email per member and license change (idempotency key), sent in queue batches.
 */

/** Why a seat ended, in words, from the license's new state. */
export function seatEndReason(license: Pick<License, "status" | "suspendedReason" | "tier">) {
  if (license.status === "suspended" && license.suspendedReason === "subscription_ended") return `the organization's ${license.tier === "enterprise" ? "Enterprise" : "Pro"} subscription ended`;
  if (license.status === "suspended") return "the organization's licence was suspended";
  if (license.status === "revoked") return "the organization's licence was revoked";
  return "the organization's licence expired";
}

/** Emails the members of `license`'s organization whose seat ended with this change (none if another license still gives seats). */
export async function notifySeatsEnded(app: AppContext, license: License) {
  const t = now();
  const rows = await app.db
    .select({ email: users.email, name: users.name, userId: users.id, organization: organizations.name, stillSeated: sql<number>`${seatLimitSql(license.organizationId, t)} > 0` })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(eq(organizationMembers.organizationId, license.organizationId))
    .all();
  const ended = rows.filter((r) => !Number(r.stillSeated));
  if (!ended.length) return 0;
  const reason = seatEndReason(license);
  const pricingUrl = `${app.config.APP_URL}/pricing`;
  for (const part of chunk(ended, 100)) {
    await app.env.EMAILS.sendBatch(
      part.map((m) => ({
        body: buildEmailMessage(
          {
            template: "organization-seat-ended",
            to: m.email,
            idempotencyKey: `organization-seat-ended/${license.id}/${license.updatedAt}/${m.userId}`,
            data: { name: m.name, organization: m.organization, reason, endedAt: t, pricingUrl },
          },
          app.requestId,
        ),
        contentType: "json" as const,
      })),
    );
  }
  app.logger.info("organization.seats_ended", { licenseId: license.id, organizationId: license.organizationId, members: ended.length });
  return ended.length;
}

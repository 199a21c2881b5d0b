import { and, asc, eq, inArray, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { hasPermission } from "~/modules/auth/permissions";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { inJsonArray } from "~/utils/db.server";
import { notifyUser } from "~/modules/email/email.server";
import { getEntitlement } from "~/modules/subscriptions/entitlements.server";
import { TIERS } from "~/modules/subscriptions/tiers";
import { enrollments, organizationMembers, organizations, users } from "~drizzle/schema";
import type { OrganizationRole, Role } from "~drizzle/schema/enums";

export type Actor = { id: string; role: Role };
export type Organization = typeof organizations.$inferSelect;

export const organizationIdSchema = z.string().regex(/^org_[0-9a-z]{26}$/, "Unknown organization");

/** Statements that create an organization with its owner as first member (for db.batch). */
export function organizationInserts(app: AppContext, input: { name: string; ownerId: string; actorId: string | null }) {
  const t = now();
  const org = { id: createId("organization"), name: input.name, ownerId: input.ownerId, createdAt: t, updatedAt: t };
  return {
    org,
    statements: [
      app.db.insert(organizations).values(org),
      app.db.insert(organizationMembers).values({ organizationId: org.id, userId: input.ownerId, role: "owner", createdAt: t }),
      auditInsert(app, { actorId: input.actorId, action: "organization.created", targetType: "organization", targetId: org.id, metadata: { name: org.name, ownerId: input.ownerId } }),
    ] as const,
  };
}

/** Organizations the user belongs to, with their role in each. */
export async function organizationsOf(app: AppContext, userId: string) {
  return app.db
    .select({ organization: organizations, role: organizationMembers.role })
    .from(organizationMembers)
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(eq(organizationMembers.userId, userId))
    .orderBy(asc(organizations.createdAt))
    .all();
}

export type OrgAccess = { organization: Organization; role: OrganizationRole | "platform_admin" };

/**
 * The organization if the actor may see it (a member, or a platform admin), and in what role.
 * Anyone else gets 404: members of another organization learn nothing, not even that it exists.
 */
export async function requireOrganizationAccess(app: AppContext, actor: Actor, organizationId: string, need: "member" | "admin" = "member"): Promise<OrgAccess> {
  const parsed = organizationIdSchema.safeParse(organizationId);
  if (!parsed.success) throw AppError.notFound("Organization");
  const row = await app.db
    .select({ organization: organizations, role: organizationMembers.role })
    .from(organizations)
    .leftJoin(organizationMembers, and(eq(organizationMembers.organizationId, organizations.id), eq(organizationMembers.userId, actor.id)))
    .where(eq(organizations.id, parsed.data))
    .get();
  if (!row) throw AppError.notFound("Organization");
  if (hasPermission(actor, "update:organization:any")) return { organization: row.organization, role: row.role ?? "platform_admin" };
  if (!row.role) throw AppError.notFound("Organization");
  if (need === "admin" && row.role === "member") throw AppError.forbidden("Only the organization's owner and admins can do that.");
  return { organization: row.organization, role: row.role };
}

/** The organization a request is about: the one named, or the caller's only (first) organization. */
export async function resolveOrganization(app: AppContext, actor: Actor, organizationId: string | undefined, need: "member" | "admin" = "member") {
  if (organizationId) return requireOrganizationAccess(app, actor, organizationId, need);
  const mine = await organizationsOf(app, actor.id);
  if (!mine.length) throw AppError.notFound("Organization");
  return requireOrganizationAccess(app, actor, mine[0]!.organization.id, need);
}

export async function listMembers(app: AppContext, organizationId: string) {
  return app.db
    .select({ userId: users.id, name: users.name, email: users.email, role: organizationMembers.role, joinedAt: organizationMembers.createdAt })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(eq(organizationMembers.organizationId, organizationId))
    .orderBy(asc(organizationMembers.createdAt))
    .all();
}

/**
 * The seats an organization has now: the sum of the seats of its licenses that are active, started
 * and not yet expired (the same test the entitlement makes at read time, so a seat check and a
 * member's entitlement never disagree). Raw SQL, for the in-insert seat checks.
 */
export const seatLimitSql = (organizationId: string, t: number) =>
  sql`(SELECT coalesce(sum(max_seats), 0) FROM licenses WHERE organization_id = ${organizationId} AND status = 'active' AND starts_at <= ${t} AND expires_at > ${t})`;
export const seatsUsedSql = (organizationId: string) => sql`(SELECT count(*) FROM organization_members WHERE organization_id = ${organizationId})`;

/** Seats: members used against the sum of the seats of the organization's licenses in force. */
export async function seatUsage(app: AppContext, organizationId: string) {
  const row = await app.db
    .select({ used: sql<number>`${seatsUsedSql(organizationId)}`, limit: sql<number>`${seatLimitSql(organizationId, now())}` })
    .from(sql`(select 1)`)
    .get();
  return { used: Number(row?.used ?? 0), limit: Number(row?.limit ?? 0) };
}

/** Each member's learning, for the organization's admins: courses enrolled in (with access) and completed. */
export async function memberProgress(app: AppContext, organizationId: string) {
  const rows = await app.db
    .select({
      userId: organizationMembers.userId,
      enrolled: sql<number>`count(${enrollments.id})`,
      completed: sql<number>`count(${enrollments.completedAt})`,
      lastCompletedAt: sql<number | null>`max(${enrollments.completedAt})`,
    })
    .from(organizationMembers)
    .leftJoin(enrollments, and(eq(enrollments.userId, organizationMembers.userId), eq(enrollments.status, "active")))
    .where(eq(organizationMembers.organizationId, organizationId))
    .groupBy(organizationMembers.userId)
    .all();
  return new Map(rows.map((r) => [r.userId, { enrolled: Number(r.enrolled), completed: Number(r.completed), lastCompletedAt: r.lastCompletedAt === null ? null : Number(r.lastCompletedAt) }]));
}

const addMemberSchema = z.object({
  email: z.email("Enter the email of an existing Coursemint account").trim().toLowerCase(),
  role: z.enum(["admin", "member"]).default("member"),
});

/**
 * Adds an existing user to the organization. The seat limit is enforced by the insert itself
 * (INSERT … SELECT … WHERE members < seats), so two admins adding people at once cannot pass it.
 */
export async function addMember(app: AppContext, actor: Actor, organizationId: string, input: unknown) {
  const access = await requireOrganizationAccess(app, actor, organizationId, "admin");
  const data = parseOrThrow(addMemberSchema, input);
  const user = await app.db.select({ id: users.id, name: users.name }).from(users).where(eq(users.email, data.email)).get();
  if (!user) throw AppError.validation({ email: ["No Coursemint account uses this email; ask them to sign up first"] });
  const t = now();
  const orgId = access.organization.id;
  const result = await app.db.run(sql`
    INSERT INTO organization_members (organization_id, user_id, role, created_at)
    SELECT ${orgId}, ${user.id}, ${data.role}, ${t}
    WHERE ${seatsUsedSql(orgId)} < ${seatLimitSql(orgId, t)}
    ON CONFLICT (organization_id, user_id) DO NOTHING`);
  if (result.meta.changes === 0) {
    const existing = await app.db.select().from(organizationMembers).where(and(eq(organizationMembers.organizationId, orgId), eq(organizationMembers.userId, user.id))).get();
    if (existing) throw AppError.validation({ email: ["This person is already a member"] });
    const seats = await seatUsage(app, orgId);
    throw new AppError("conflict", `All ${seats.limit} seats are taken. Remove a member or add seats to the license first.`, { details: { seats } });
  }
  await auditInsert(app, { actorId: actor.id, action: "organization.member_added", targetType: "organization", targetId: orgId, metadata: { userId: user.id, role: data.role } }).run();
  app.logger.info("organization.member_added", { organizationId: orgId, userId: user.id });
  return { userId: user.id, name: user.name, role: data.role };
}

/** The member an organization admin may remove (checked as removing checks it; the page asks first). */
export async function findRemovableMember(app: AppContext, actor: Actor, organizationId: string, userId: string) {
  const access = await requireOrganizationAccess(app, actor, organizationId, "admin");
  const orgId = access.organization.id;
  const member = await app.db
    .select({ role: organizationMembers.role, name: users.name, email: users.email })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(and(eq(organizationMembers.organizationId, orgId), eq(organizationMembers.userId, userId)))
    .get();
  if (!member) throw AppError.notFound("Member");
  if (member.role === "owner") throw new AppError("conflict", "The owner cannot be removed.");
  return { organization: access.organization, member };
}

/** Removes a member: their seat (and the entitlement it gave) ends at once; they are told by email. */
export async function removeMember(app: AppContext, actor: Actor, organizationId: string, userId: string) {
  const { organization } = await findRemovableMember(app, actor, organizationId, userId);
  const orgId = organization.id;
  const t = now();
  const [deleted] = await app.db.batch([
    app.db.delete(organizationMembers).where(and(eq(organizationMembers.organizationId, orgId), eq(organizationMembers.userId, userId))).returning(),
    auditInsert(app, { actorId: actor.id, action: "organization.member_removed", targetType: "organization", targetId: orgId, metadata: { userId } }),
  ]);
  if (!deleted.length) return; // removed at the same time by another admin: they were told once
  const own = await getEntitlement(app, userId);
  await notifyUser(app, userId, {
    template: "organization-member-removed",
    idempotencyKey: `organization-member-removed/${orgId}/${userId}/${deleted[0]!.createdAt}`,
    data: (u) => ({
      name: u.name,
      organization: organization.name,
      removedAt: t,
      ownPlan: own.subscription ? TIERS[own.subscription.tier].name : null,
      pricingUrl: `${app.config.APP_URL}/pricing`,
    }),
  });
}

/** Owners and admins of the organizations (renewal notices go to them). */
export async function organizationAdmins(app: AppContext, organizationIds: string[]) {
  if (!organizationIds.length) return [];
  return app.db
    .select({ organizationId: organizationMembers.organizationId, email: users.email, name: users.name })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(and(inJsonArray(organizationMembers.organizationId, organizationIds), inArray(organizationMembers.role, ["owner", "admin"])))
    .all();
}

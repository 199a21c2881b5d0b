import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { sendEmail } from "~/modules/email/email.server";
import { now } from "~/utils/clock";
import { INVITATION_POLICY } from "./policy";

export { INVITATION_POLICY };
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId, randomToken, sha256Hex } from "~/utils/ids";
import { organizationInvitations, organizationMembers, organizations, users } from "~drizzle/schema";
import { organizationAdmins, requireOrganizationAccess, seatLimitSql, seatsUsedSql, seatUsage, type Actor } from "./organizations.server";

/*
 * Invitations (docs/licensing.md#invitations). An owner or admin invites an address; the person
 * gets a single-use link by email (only its SHA-256 is stored). Accepting — signed in with the
 * invited address, after signing up through the usual confirm flow if needed — takes a seat with
 * the same in-insert seat check as adding a member, and marks the invitation used in the same
 * batch, so two invitations racing for the last seat give one member and one link opened in two
 * tabs gives one membership.
 */


/** The link's token: 32 random bytes, hex. */
export const invitationTokenSchema = z.string().regex(/^[0-9a-f]{64}$/);
const invitationIdSchema = z.string().regex(/^inv_[0-9a-z]{26}$/);

export const inviteSchema = z.object({
  email: z.email("Enter the email address to invite").trim().toLowerCase().max(254),
  role: z.enum(["admin", "member"], { error: "Choose Member or Admin" }).default("member"),
});

export type Invitation = typeof organizationInvitations.$inferSelect;
export type InvitationState = "pending" | "expired" | "accepted" | "revoked";

export const invitationState = (i: Pick<Invitation, "acceptedAt" | "revokedAt" | "expiresAt">, t = now()): InvitationState =>
  i.acceptedAt !== null ? "accepted" : i.revokedAt !== null ? "revoked" : i.expiresAt <= t ? "expired" : "pending";

const acceptUrl = (app: AppContext, token: string) => `${app.config.APP_URL}/enterprise/invitations/${token}`;

async function emailInvitation(app: AppContext, invitation: Invitation, token: string, inviterName: string, organization: string) {
  await sendEmail(app, {
    template: "organization-invitation",
    to: invitation.email,
    idempotencyKey: `organization-invitation/${invitation.id}/${invitation.sendCount}`,
    data: { inviterName, organization, role: invitation.role, acceptUrl: acceptUrl(app, token), expiresAt: invitation.expiresAt },
  });
}

/**
 * Invites an address (owners and admins). Inviting an address that already has a pending (or
 * expired, unused) invitation sends it a fresh link instead of a second invitation. Refused when
 * the address is already a member or every seat is taken.
 */
export async function inviteMember(app: AppContext, actor: Actor & { name?: string }, organizationId: string, input: unknown) {
  const { organization } = await requireOrganizationAccess(app, actor, organizationId, "admin");
  const data = parseOrThrow(inviteSchema, input);
  const [member, seats, inviter] = await Promise.all([
    app.db
      .select({ userId: users.id })
      .from(users)
      .innerJoin(organizationMembers, and(eq(organizationMembers.userId, users.id), eq(organizationMembers.organizationId, organization.id)))
      .where(eq(users.email, data.email))
      .get(),
    seatUsage(app, organization.id),
    app.db.select({ name: users.name }).from(users).where(eq(users.id, actor.id)).get(),
  ]);
  if (member) throw AppError.validation({ email: ["This person is already a member"] });
  if (seats.used >= seats.limit) {
    throw new AppError("conflict", seats.limit === 0 ? "The organization has no licence in force, so it has no seats to invite people to." : `All ${seats.limit} seats are taken. Remove a member or add seats to the license first.`, {
      details: { seats },
    });
  }
  const token = randomToken(32);
  const t = now();
  const row = {
    id: createId("invitation"),
    organizationId: organization.id,
    email: data.email,
    role: data.role,
    tokenHash: await sha256Hex(token),
    invitedBy: actor.id,
    createdAt: t,
    sentAt: t,
    sendCount: 1,
    expiresAt: t + INVITATION_POLICY.ttlMs,
  };
  // One pending invitation per address (partial unique index): a second invite re-sends it.
  const [saved] = await app.db.batch([
    app.db
      .insert(organizationInvitations)
      .values(row)
      .onConflictDoUpdate({
        target: [organizationInvitations.organizationId, organizationInvitations.email],
        targetWhere: sql`accepted_at IS NULL AND revoked_at IS NULL`,
        set: { role: row.role, tokenHash: row.tokenHash, invitedBy: actor.id, sentAt: t, expiresAt: row.expiresAt, sendCount: sql`${organizationInvitations.sendCount} + 1` },
      })
      .returning(),
    auditInsert(app, { actorId: actor.id, action: "organization.member_invited", targetType: "organization", targetId: organization.id, metadata: { email: data.email, role: data.role } }),
  ]);
  const invitation = saved[0]!;
  await emailInvitation(app, invitation, token, inviter?.name ?? "An administrator", organization.name);
  app.logger.info("organization.member_invited", { organizationId: organization.id, invitationId: invitation.id });
  return { invitation: publicInvitation(invitation), resent: invitation.id !== row.id };
}

async function pendingInvitationFor(app: AppContext, actor: Actor, organizationId: string, invitationId: string) {
  const { organization } = await requireOrganizationAccess(app, actor, organizationId, "admin");
  const id = invitationIdSchema.safeParse(invitationId);
  const invitation = id.success
    ? await app.db
        .select()
        .from(organizationInvitations)
        .where(and(eq(organizationInvitations.id, id.data), eq(organizationInvitations.organizationId, organization.id)))
        .get()
    : undefined;
  if (!invitation) throw AppError.notFound("Invitation");
  const state = invitationState(invitation);
  if (state === "accepted") throw new AppError("conflict", `${invitation.email} already accepted this invitation.`);
  if (state === "revoked") throw new AppError("conflict", "This invitation was revoked. Invite the address again instead.");
  return { organization, invitation };
}

/** Sends a new link (the old one stops working) and restarts the 7 days; also for an expired one. */
export async function resendInvitation(app: AppContext, actor: Actor, organizationId: string, invitationId: string) {
  const { organization, invitation } = await pendingInvitationFor(app, actor, organizationId, invitationId);
  if (invitation.sendCount >= INVITATION_POLICY.maxSends) {
    throw new AppError("conflict", `This invitation was already sent ${INVITATION_POLICY.maxSends} times. Revoke it and invite the address again if it is right.`);
  }
  const token = randomToken(32);
  const t = now();
  const [updated] = await app.db.batch([
    app.db
      .update(organizationInvitations)
      .set({ tokenHash: await sha256Hex(token), sentAt: t, expiresAt: t + INVITATION_POLICY.ttlMs, sendCount: sql`${organizationInvitations.sendCount} + 1` })
      .where(and(eq(organizationInvitations.id, invitation.id), eq(organizationInvitations.sendCount, invitation.sendCount), isNull(organizationInvitations.acceptedAt), isNull(organizationInvitations.revokedAt)))
      .returning(),
    auditInsert(app, { actorId: actor.id, action: "organization.invitation_resent", targetType: "organization", targetId: organization.id, metadata: { invitationId: invitation.id, email: invitation.email } }),
  ]);
  if (!updated[0]) throw new AppError("conflict", "The invitation changed at the same time. Reload and try again.");
  const inviter = await app.db.select({ name: users.name }).from(users).where(eq(users.id, actor.id)).get();
  await emailInvitation(app, updated[0], token, inviter?.name ?? "An administrator", organization.name);
  return publicInvitation(updated[0]);
}

/** Revokes a pending invitation: its link stops working at once. */
export async function revokeInvitation(app: AppContext, actor: Actor, organizationId: string, invitationId: string) {
  const { organization, invitation } = await pendingInvitationFor(app, actor, organizationId, invitationId);
  const t = now();
  const [updated] = await app.db.batch([
    app.db
      .update(organizationInvitations)
      .set({ revokedAt: t })
      .where(and(eq(organizationInvitations.id, invitation.id), isNull(organizationInvitations.acceptedAt), isNull(organizationInvitations.revokedAt)))
      .returning(),
    auditInsert(app, { actorId: actor.id, action: "organization.invitation_revoked", targetType: "organization", targetId: organization.id, metadata: { invitationId: invitation.id, email: invitation.email } }),
  ]);
  if (!updated[0]) throw new AppError("conflict", `${invitation.email} accepted the invitation just now; remove them from the members instead.`);
  return publicInvitation(updated[0]);
}

/** Pending (and expired, unused) invitations of an organization, newest first, for its admins. */
export async function listInvitations(app: AppContext, organizationId: string) {
  const rows = await app.db
    .select({ invitation: organizationInvitations, invitedByName: users.name })
    .from(organizationInvitations)
    .leftJoin(users, eq(users.id, organizationInvitations.invitedBy))
    .where(and(eq(organizationInvitations.organizationId, organizationId), isNull(organizationInvitations.acceptedAt), isNull(organizationInvitations.revokedAt)))
    .orderBy(desc(organizationInvitations.createdAt))
    .limit(200)
    .all();
  return rows.map((r) => ({ ...publicInvitation(r.invitation), invitedByName: r.invitedByName }));
}

export function publicInvitation(i: Invitation) {
  return { id: i.id, email: i.email, role: i.role, state: invitationState(i), sentAt: i.sentAt, sendCount: i.sendCount, expiresAt: i.expiresAt };
}

/** What the invitation page shows for a link (no lookup for a malformed token). */
export async function findInvitation(app: AppContext, token: string) {
  const parsed = invitationTokenSchema.safeParse(token);
  if (!parsed.success) return null;
  const row = await app.db
    .select({ invitation: organizationInvitations, organizationName: organizations.name, inviterName: users.name })
    .from(organizationInvitations)
    .innerJoin(organizations, eq(organizations.id, organizationInvitations.organizationId))
    .leftJoin(users, eq(users.id, organizationInvitations.invitedBy))
    .where(eq(organizationInvitations.tokenHash, await sha256Hex(parsed.data)))
    .get();
  if (!row) return null;
  return { ...row, state: invitationState(row.invitation) };
}

/**
 * Accepts an invitation as the signed-in user (who must have the invited address). One D1 batch:
 * the membership insert (only while the invitation is pending and a seat is free), then marking the
 * invitation used (only if the membership now exists). A second tab, or a second invitation racing
 * for the last seat, changes nothing.
 */
export async function acceptInvitation(app: AppContext, user: { id: string; email: string; name: string }, token: string) {
  const found = await findInvitation(app, token);
  if (!found) throw AppError.notFound("Invitation");
  const { invitation, organizationName } = found;
  if (invitation.email !== user.email.toLowerCase()) {
    throw AppError.forbidden(`This invitation is for ${invitation.email}. Log in with that address to accept it.`);
  }
  const member = await app.db
    .select({ role: organizationMembers.role })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.organizationId, invitation.organizationId), eq(organizationMembers.userId, user.id)))
    .get();
  if (found.state === "accepted" && invitation.acceptedBy === user.id && member) return { organizationId: invitation.organizationId, organizationName, joined: false };
  if (found.state === "accepted") throw new AppError("conflict", "This invitation was already used.");
  if (found.state === "revoked") throw new AppError("conflict", `This invitation was revoked. Ask an administrator of ${organizationName} for a new one.`);
  if (found.state === "expired") throw new AppError("conflict", `This invitation expired. Ask an administrator of ${organizationName} to send it again.`);
  const t = now();
  const orgId = invitation.organizationId;
  const pending = sql`EXISTS (SELECT 1 FROM organization_invitations WHERE id = ${invitation.id} AND token_hash = ${invitation.tokenHash} AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ${t})`;
  const [inserted, marked] = await app.db.batch([
    app.db
      .insert(organizationMembers)
      .select(
        app.db
          .select({
            organizationId: sql<string>`${orgId}`.as("organization_id"),
            userId: users.id,
            role: sql<"admin" | "member">`${invitation.role}`.as("role"),
            createdAt: sql<number>`${t}`.as("created_at"),
          })
          .from(users)
          .where(and(eq(users.id, user.id), sql`${pending}`, sql`${seatsUsedSql(orgId)} < ${seatLimitSql(orgId, t)}`)),
      )
      .onConflictDoNothing()
      .returning({ userId: organizationMembers.userId }),
    app.db
      .update(organizationInvitations)
      .set({ acceptedAt: t, acceptedBy: user.id })
      .where(
        and(
          eq(organizationInvitations.id, invitation.id),
          eq(organizationInvitations.tokenHash, invitation.tokenHash),
          isNull(organizationInvitations.acceptedAt),
          isNull(organizationInvitations.revokedAt),
          gt(organizationInvitations.expiresAt, t),
          sql`EXISTS (SELECT 1 FROM organization_members WHERE organization_id = ${orgId} AND user_id = ${user.id})`,
        ),
      )
      .returning(),
  ]);
  if (marked.length === 0) {
    // Nothing changed: another tab accepted it first, or no seat was free.
    const again = await findInvitation(app, token);
    if (again?.state === "accepted" && again.invitation.acceptedBy === user.id) return { organizationId: orgId, organizationName, joined: false };
    if (again?.state !== "pending") throw new AppError("conflict", "This invitation is no longer valid.");
    const seats = await seatUsage(app, orgId);
    throw new AppError("conflict", `All ${seats.limit} seats of ${organizationName} are taken. Ask an administrator to free a seat, then open the link again.`, { details: { seats } });
  }
  const joined = inserted.length > 0;
  await auditInsert(app, {
    actorId: user.id,
    action: "organization.invitation_accepted",
    targetType: "organization",
    targetId: orgId,
    metadata: { invitationId: invitation.id, userId: user.id, role: invitation.role, alreadyMember: !joined || !!member },
  }).run();
  app.logger.info("organization.member_joined", { organizationId: orgId, userId: user.id, invitationId: invitation.id });
  if (joined) await notifyAdminsOfJoin(app, orgId, organizationName, user, invitation.id);
  return { organizationId: orgId, organizationName, joined };
}

async function notifyAdminsOfJoin(app: AppContext, organizationId: string, organization: string, member: { id: string; email: string; name: string }, invitationId: string) {
  const [admins, seats] = await Promise.all([organizationAdmins(app, [organizationId]), seatUsage(app, organizationId)]);
  for (const admin of admins.filter((a) => a.email !== member.email)) {
    await sendEmail(app, {
      template: "organization-member-joined",
      to: admin.email,
      idempotencyKey: `organization-member-joined/${invitationId}/${admin.email}`,
      data: {
        name: admin.name,
        memberName: member.name,
        memberEmail: member.email,
        organization,
        seatsUsed: seats.used,
        seatsLimit: seats.limit,
        membersUrl: `${app.config.APP_URL}/enterprise?organizationId=${organizationId}#members`,
      },
    });
  }
}

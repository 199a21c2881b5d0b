import { and, desc, eq, inArray, isNull, ne } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { auditInsert, auditInsertWhere } from "~/modules/audit/audit.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { tokenAwardRequests, users } from "~drizzle/schema";
import { REWARD_POLICY, TOKEN_RULES } from "./config";
import type { WalletEntry } from "./contracts";
import { flushWallet, unwrap, walletFor } from "./ledger.server";
import { ensureProfile } from "./profiles.server";

/*
 * Manual awards and adjustments by admins (docs/tokens.md, "Admin awards"). Audited, idempotent
 * per admin request. Two rules from REWARD_POLICY: an admin never changes their own wallet, and an
 * award above `adminApprovalAbove` is only a request until another admin approves it. Every refusal
 * happens before any write.
 */

export const adminAwardSchema = z
  .object({
    userId: z.string().trim().regex(/^usr_[0-9a-z]{26}$/, "Not a user id"),
    amount: z
      .number()
      .int("Whole tokens only")
      .refine((n) => n !== 0, "The amount cannot be zero")
      .refine((n) => Math.abs(n) <= TOKEN_RULES.maxAdminAmount, `At most ${TOKEN_RULES.maxAdminAmount.toLocaleString("en-US")} tokens at a time`),
    reason: z.string().trim().min(3, "Give a reason (3 characters or more)").max(200),
  })
  .strict();

export const awardDecisionSchema = z.object({ decision: z.enum(["approve", "reject"]) }).strict();
export const awardRequestIdSchema = z.string().regex(/^tar_[0-9a-z]{26}$/, "Not an award request id");

export type AwardRequest = typeof tokenAwardRequests.$inferSelect;
export type AdminAwardOutcome = { status: "recorded"; entry: WalletEntry; replayed: boolean } | { status: "pending"; request: AwardRequestView; replayed: boolean };

export const needsApproval = (amount: number) => amount > REWARD_POLICY.adminApprovalAbove;

/** The public shape of a request (API and admin page). */
export function awardRequestView(r: AwardRequest) {
  return {
    id: r.id,
    userId: r.userId,
    amount: r.amount,
    reason: r.reason,
    requestedBy: r.requestedBy,
    status: r.status,
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt,
    entryId: r.entryId,
    createdAt: r.createdAt,
  };
}
export type AwardRequestView = ReturnType<typeof awardRequestView>;

/**
 * An admin award (positive) or adjustment (negative, never below zero), audited. `requestKey` is the
 * Idempotency-Key or the request id, so one admin request never writes twice. Your own wallet: 403.
 * Above the approval threshold: a pending request (202 on the API), credited when another admin approves.
 */
export async function adminAward(app: AppContext, actor: SessionUser, input: unknown, requestKey: string): Promise<AdminAwardOutcome> {
  const data = parseOrThrow(adminAwardSchema, input);
  if (data.userId === actor.id) throw AppError.forbidden("Admins cannot award or adjust their own tokens; ask another admin.");
  const target = await app.db.select({ id: users.id }).from(users).where(eq(users.id, data.userId)).get();
  if (!target) throw AppError.notFound("User");
  if (needsApproval(data.amount)) return requestAward(app, actor, data, requestKey);

  const sourceKey = `admin:${actor.id}:${requestKey}`;
  const wallet = walletFor(app, data.userId);
  const result = unwrap(
    data.amount > 0
      ? await wallet.credit({ userId: data.userId, at: now(), type: "admin_adjust", amount: data.amount, reason: data.reason, sourceKey })
      : await wallet.adjust({ userId: data.userId, at: now(), amount: data.amount, reason: data.reason, sourceKey }),
  );
  if (!result.replayed) {
    await auditInsert(app, {
      actorId: actor.id,
      action: "tokens.admin_adjusted",
      targetType: "user",
      targetId: data.userId,
      metadata: { amount: data.amount, reason: data.reason, entryId: result.entry.id, balanceAfter: result.entry.balanceAfter },
    }).run();
  }
  // The recipient gets a handle of their own making (never their name) if they have no profile yet.
  await ensureProfile(app, data.userId);
  app.logger.info("tokens.admin_adjusted", { actorId: actor.id, userId: data.userId, amount: data.amount, entryId: result.entry.id, replayed: result.replayed });
  return { status: "recorded", entry: result.entry, replayed: result.replayed };
}

/** Records a pending award (once per admin and request key) and audits it in the same batch. */
async function requestAward(app: AppContext, actor: SessionUser, data: z.infer<typeof adminAwardSchema>, requestKey: string): Promise<AdminAwardOutcome> {
  const id = createId("tokenAwardRequest");
  const [inserted] = await app.db.batch([
    app.db
      .insert(tokenAwardRequests)
      .values({ id, userId: data.userId, amount: data.amount, reason: data.reason, requestedBy: actor.id, requestKey, status: "pending", createdAt: now() })
      .onConflictDoNothing(),
    auditInsertWhere(
      app,
      { actorId: actor.id, action: "tokens.award_requested", targetType: "user", targetId: data.userId, metadata: { requestId: id, amount: data.amount, reason: data.reason } },
      tokenAwardRequests,
      eq(tokenAwardRequests.id, id),
    ),
  ]);
  const row = await app.db
    .select()
    .from(tokenAwardRequests)
    .where(and(eq(tokenAwardRequests.requestedBy, actor.id), eq(tokenAwardRequests.requestKey, requestKey)))
    .get();
  if (!row) throw new AppError("conflict", "Please retry the request.");
  const replayed = inserted.meta.changes === 0;
  if (replayed && (row.userId !== data.userId || row.amount !== data.amount || row.reason !== data.reason)) {
    throw new AppError("idempotency_conflict", "This request key was already used for another award.");
  }
  app.logger.info("tokens.award_requested", { actorId: actor.id, userId: data.userId, amount: data.amount, requestId: row.id, replayed });
  return { status: "pending", request: awardRequestView(row), replayed };
}

/**
 * Approves or rejects a pending award. Only an admin who is neither the requester nor the recipient
 * approves (the requester may withdraw: reject). The decision claims the row with a conditional
 * update batched with its audit entry; an approval then credits the wallet with the request's own
 * source key, so concurrent approvals credit once, and approving again after a failed credit
 * finishes it. Refusals (403, 404, 409) write nothing.
 */
export async function decideAwardRequest(app: AppContext, actor: SessionUser, requestId: string, input: unknown) {
  const id = parseOrThrow(awardRequestIdSchema, requestId);
  const { decision } = parseOrThrow(awardDecisionSchema, input);
  const request = await app.db.select().from(tokenAwardRequests).where(eq(tokenAwardRequests.id, id)).get();
  if (!request) throw AppError.notFound("Award request");
  if (decision === "approve" && (request.requestedBy === actor.id || request.userId === actor.id)) {
    throw AppError.forbidden(request.userId === actor.id ? "An award to you is approved by another admin." : "Another admin must approve the award you asked for.");
  }
  if (decision === "reject") return reject(app, actor, request);

  const t = now();
  if (request.status === "pending") {
    const [claimed] = await app.db.batch([
      app.db
        .update(tokenAwardRequests)
        .set({ status: "approved", decidedBy: actor.id, decidedAt: t })
        .where(and(eq(tokenAwardRequests.id, id), eq(tokenAwardRequests.status, "pending"), ne(tokenAwardRequests.requestedBy, actor.id), ne(tokenAwardRequests.userId, actor.id))),
      auditInsertWhere(
        app,
        { actorId: actor.id, action: "tokens.award_approved", targetType: "user", targetId: request.userId, metadata: { requestId: id, amount: request.amount, requestedBy: request.requestedBy } },
        tokenAwardRequests,
        and(eq(tokenAwardRequests.id, id), eq(tokenAwardRequests.decidedBy, actor.id), eq(tokenAwardRequests.decidedAt, t), eq(tokenAwardRequests.status, "approved"))!,
      ),
    ]);
    if (claimed.meta.changes === 0) return settledAnswer(app, id);
  } else if (request.status === "rejected" || request.entryId) {
    return settledAnswer(app, id);
  }
  // Approved (now, or earlier with the credit unconfirmed): credit once under the request's own key.
  const approved = (await app.db.select().from(tokenAwardRequests).where(eq(tokenAwardRequests.id, id)).get())!;
  const result = unwrap(
    await walletFor(app, approved.userId).credit({
      userId: approved.userId,
      at: now(),
      type: "admin_adjust",
      amount: approved.amount,
      reason: approved.reason,
      sourceKey: `admin_award:${approved.id}`,
    }),
  );
  await recordCredit(app, approved, result.entry);
  await ensureProfile(app, approved.userId);
  await flushWallet(app, approved.userId);
  app.logger.info("tokens.admin_adjusted", { actorId: approved.decidedBy, userId: approved.userId, amount: approved.amount, entryId: result.entry.id, requestId: id, replayed: result.replayed });
  return { request: awardRequestView({ ...approved, entryId: result.entry.id }), entry: result.entry };
}

async function reject(app: AppContext, actor: SessionUser, request: AwardRequest) {
  const t = now();
  const [changed] = await app.db.batch([
    app.db
      .update(tokenAwardRequests)
      .set({ status: "rejected", decidedBy: actor.id, decidedAt: t })
      .where(and(eq(tokenAwardRequests.id, request.id), eq(tokenAwardRequests.status, "pending"))),
    auditInsertWhere(
      app,
      { actorId: actor.id, action: "tokens.award_rejected", targetType: "user", targetId: request.userId, metadata: { requestId: request.id, amount: request.amount, requestedBy: request.requestedBy } },
      tokenAwardRequests,
      and(eq(tokenAwardRequests.id, request.id), eq(tokenAwardRequests.status, "rejected"), eq(tokenAwardRequests.decidedBy, actor.id), eq(tokenAwardRequests.decidedAt, t))!,
    ),
  ]);
  if (changed.meta.changes === 0) return settledAnswer(app, request.id, "reject");
  app.logger.info("tokens.award_rejected", { actorId: actor.id, userId: request.userId, requestId: request.id });
  return { request: awardRequestView({ ...request, status: "rejected", decidedBy: actor.id, decidedAt: t }), entry: null };
}

/** Someone decided first: the same decision is a replay (200), the other one a 409. */
async function settledAnswer(app: AppContext, id: string, wanted: "approve" | "reject" = "approve") {
  const row = (await app.db.select().from(tokenAwardRequests).where(eq(tokenAwardRequests.id, id)).get())!;
  const same = wanted === "approve" ? row.status === "approved" : row.status === "rejected";
  if (!same) throw new AppError("conflict", `This award was already ${row.status}.`, { details: { status: row.status } });
  if (wanted === "approve" && !row.entryId) return decideAwardRetry(app, row);
  const entry = row.entryId ? ((await walletFor(app, row.userId).entries({ userId: row.userId, limit: 5000 })).find((e) => e.id === row.entryId) ?? null) : null;
  return { request: awardRequestView(row), entry };
}

/** An approval whose credit is not confirmed yet (a concurrent approval or a crash): the credit is idempotent, so finish it. */
async function decideAwardRetry(app: AppContext, row: AwardRequest) {
  const result = unwrap(
    await walletFor(app, row.userId).credit({ userId: row.userId, at: now(), type: "admin_adjust", amount: row.amount, reason: row.reason, sourceKey: `admin_award:${row.id}` }),
  );
  await recordCredit(app, row, result.entry);
  return { request: awardRequestView({ ...row, entryId: result.entry.id }), entry: result.entry };
}

/**
 * Links the approved request to its wallet entry and audits the credit, once: the audit is
 * inserted only while `entry_id` is still null, in the same batch that sets it, so whichever
 * approval gets there first records it and the others change nothing.
 */
async function recordCredit(app: AppContext, row: AwardRequest, entry: WalletEntry) {
  const unlinked = and(eq(tokenAwardRequests.id, row.id), isNull(tokenAwardRequests.entryId))!;
  await app.db.batch([
    auditInsertWhere(
      app,
      {
        actorId: row.decidedBy,
        action: "tokens.admin_adjusted",
        targetType: "user",
        targetId: row.userId,
        metadata: { amount: row.amount, reason: row.reason, entryId: entry.id, balanceAfter: entry.balanceAfter, requestId: row.id, requestedBy: row.requestedBy },
      },
      tokenAwardRequests,
      unlinked,
    ),
    app.db.update(tokenAwardRequests).set({ entryId: entry.id }).where(unlinked),
  ]);
}

/** Pending requests (newest first) with the names of recipients and requesters, for the admin page and `GET /api/tokens/awards`. */
export async function listAwardRequests(app: Pick<AppContext, "db">, status: AwardRequest["status"] = "pending", limit = 40) {
  const rows = await app.db.select().from(tokenAwardRequests).where(eq(tokenAwardRequests.status, status)).orderBy(desc(tokenAwardRequests.createdAt)).limit(limit).all();
  const ids = [...new Set(rows.flatMap((r) => [r.userId, r.requestedBy]))];
  const people = ids.length ? await app.db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(inArray(users.id, ids)).all() : [];
  const byId = new Map(people.map((p) => [p.id, p]));
  return rows.map((r) => ({ ...awardRequestView(r), recipient: byId.get(r.userId) ?? null, requester: byId.get(r.requestedBy) ?? null }));
}

export const awardListQuerySchema = z.object({ status: z.enum(["pending", "approved", "rejected"]).default("pending") }).strict();

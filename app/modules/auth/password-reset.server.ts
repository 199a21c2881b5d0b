import { and, count, eq, exists, gt, isNull, lt, ne, sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { auditInsertWhere } from "~/modules/audit/audit.server";
import { sendEmail } from "~/modules/email/email.server";
import { DAY, HOUR, now } from "~/utils/clock";
import { parseOrThrow, zodFieldErrors, type FieldErrors } from "~/utils/errors";
import { createId, randomToken, sha256Hex } from "~/utils/ids";
import { passwordResets, sessions, users } from "~drizzle/schema";
import { hashPassword } from "./password.server";
import { forgotPasswordSchema, resetPasswordSchema } from "./schemas";
import { notifyPasswordChanged } from "./password-change.server";
import { newSession, revokeAllSessionsStatement } from "./session.server";
import { signupTokenSchema } from "./signup.server";
import { assertNotThrottled, clearFailuresStatement, failureStatements, passwordResetThrottleKeys } from "./throttle.server";

/*
 * "Forgot your password?" Asking for a link never says whether the address has an account: the
 * answer is the same, and so is the work done before it (one batch whose INSERT … SELECT finds the
 * account and stores the link in the same statement). Only the email, queued after the answer
 * (waitUntil), depends on the account. Using the link changes the password once, ends the user's
 * other links and sessions, and signs in, in one batch.
 */

/** How long a reset link works. */
export const PASSWORD_RESET_TTL_MS = HOUR;
/** At most this many links per account per PASSWORD_RESET_WINDOW_MS; further requests send nothing (and say nothing). */
export const PASSWORD_RESET_LIMIT = 3;
export const PASSWORD_RESET_WINDOW_MS = HOUR;
/** How long a used or expired link is kept (it answers "used"/"expired" meanwhile) before the cron deletes it. */
export const PASSWORD_RESET_RETENTION_MS = DAY;

const RESET_LOCKED = "Too many password reset requests from your network. Please wait a few minutes and try again.";

/** The link's token: 32 random bytes, hex, like a sign-up confirmation's. */
export const passwordResetTokenSchema = signupTokenSchema;

/**
 * Validates the address, then (throttled per client) stores a link for the account with that
 * address, unless there is none or it already got PASSWORD_RESET_LIMIT links this hour, and emails
 * it after the answer. Returns the normalized address for the neutral answer.
 */
export async function requestPasswordReset(app: AppContext, input: unknown, ip: string | null): Promise<{ email: string }> {
  const data = parseOrThrow(forgotPasswordSchema, input);
  const keys = passwordResetThrottleKeys(ip);
  await assertNotThrottled(app, keys, RESET_LOCKED);
  const t = now();
  const token = randomToken(32);
  const id = createId("passwordReset");
  const tokenHash = await sha256Hex(token);
  const recent = app.db
    .select({ n: count() })
    .from(passwordResets)
    .where(and(eq(passwordResets.userId, users.id), gt(passwordResets.createdAt, t - PASSWORD_RESET_WINDOW_MS)));
  // One statement: the account lookup, the per-account limit and the insert (so parallel requests
  // cannot pass the limit together, and an unknown address costs the same round trip).
  const store = app.db
    .insert(passwordResets)
    .select(
      app.db
        .select({
          id: sql<string>`${id}`.as("id"),
          userId: users.id,
          tokenHash: sql<string>`${tokenHash}`.as("token_hash"),
          createdAt: sql<number>`${t}`.as("created_at"),
          expiresAt: sql<number>`${t + PASSWORD_RESET_TTL_MS}`.as("expires_at"),
          usedAt: sql<null>`NULL`.as("used_at"),
          sessionId: sql<null>`NULL`.as("session_id"),
          revokedAt: sql<null>`NULL`.as("revoked_at"),
        })
        .from(users)
        .where(and(eq(users.email, data.email), lt(sql`(${recent})`, PASSWORD_RESET_LIMIT))),
    )
    .returning({ userId: passwordResets.userId, expiresAt: passwordResets.expiresAt });
  // The name for the email is read in the same batch, for every address, so both answers cost one round trip.
  const [stored, [account]] = await app.db.batch([store, app.db.select({ id: users.id, name: users.name }).from(users).where(eq(users.email, data.email)), ...failureStatements(app, keys)]);
  const link = stored[0];
  if (!link || !account) {
    // Only in the logs: an account at its limit (someone may be flooding its inbox) or no account.
    if (account) app.logger.warn("auth.password_reset_limited", { userId: account.id, limit: PASSWORD_RESET_LIMIT });
    else app.logger.info("auth.password_reset_no_account");
    return { email: data.email };
  }
  app.logger.info("auth.password_reset_requested", { userId: link.userId, passwordResetId: id });
  // After the answer: queueing the email is the only step that depends on the account.
  app.ctx.waitUntil(
    sendEmail(app, {
      template: "password-reset",
      to: data.email,
      idempotencyKey: `password-reset/${id}`,
      data: { name: account.name, resetUrl: `${app.config.APP_URL}/password/reset?token=${token}`, expiresAt: link.expiresAt },
    }).catch((error: unknown) => app.logger.error("auth.password_reset_email_failed", { passwordResetId: id, error })),
  );
  return { email: data.email };
}

export type PasswordResetLinkState = { status: "valid"; email: string; expiresAt: number } | { status: "unknown" | "expired" | "used" | "revoked" };

/** What a reset link leads to, read only (GET: mail scanners that open links change nothing). */
export async function inspectPasswordResetLink(app: AppContext, token: unknown): Promise<PasswordResetLinkState> {
  const row = await findByToken(app, token);
  return row ? stateOf(row, now()) : { status: "unknown" };
}

export type PasswordResetResult =
  | { status: "reset"; userId: string; setCookie: string }
  | { status: "invalid"; errors: FieldErrors; link: Extract<PasswordResetLinkState, { status: "valid" }> }
  | { status: "unknown" | "expired" | "used" | "revoked" };

/**
 * Uses a reset link (POST). Validates the new password (`invalid` with field errors; nothing
 * changes), then one batch (one transaction): the conditional UPDATE claims the link (`used_at IS
 * NULL`, not revoked, not expired) for this call's new session id, and every other statement runs
 * only if that claim is there: the new password hash, the user's other open links revoked, every
 * session revoked ("log out everywhere"), the login throttle for the address cleared, the new
 * session and the `user.password_reset` audit record. A parallel use of the same link claims
 * nothing and so changes nothing: it gets "used".
 */
export async function resetPassword(app: AppContext, input: Record<string, unknown>, userAgent: string | null): Promise<PasswordResetResult> {
  const row = await findByToken(app, input.token);
  if (!row) return { status: "unknown" };
  const before = stateOf(row, now());
  if (before.status !== "valid") return before;
  const parsed = resetPasswordSchema.safeParse(input);
  if (!parsed.success) return { status: "invalid", errors: zodFieldErrors(parsed.error), link: before };
  return applyPasswordReset(app, row, await hashPassword(parsed.data.password), userAgent);
}

/**
 * The write of resetPassword for a link read as valid: whoever's conditional UPDATE claims the link
 * changes the password; a call that lost the race between its read and this batch changes nothing.
 * Exported for the test that runs it twice at once for one link.
 */
export async function applyPasswordReset(app: AppContext, row: PasswordResetRow, passwordHash: string, userAgent: string | null): Promise<PasswordResetResult> {
  const t = now();
  const session = await newSession(app, row.userId, userAgent);
  // The row the claim leaves; every statement after the claim runs only if it is there.
  const claimedRow = and(eq(passwordResets.id, row.id), eq(passwordResets.sessionId, session.row.id))!;
  const claimed = exists(app.db.select({ one: sql`1` }).from(passwordResets).where(claimedRow));
  const [claim] = await app.db.batch([
    app.db
      .update(passwordResets)
      .set({ usedAt: t, sessionId: session.row.id })
      .where(and(eq(passwordResets.id, row.id), isNull(passwordResets.usedAt), isNull(passwordResets.revokedAt), gt(passwordResets.expiresAt, t)))
      .returning({ id: passwordResets.id }),
    app.db.update(users).set({ passwordHash, updatedAt: t }).where(and(eq(users.id, row.userId), claimed)),
    app.db
      .update(passwordResets)
      .set({ revokedAt: t })
      .where(and(eq(passwordResets.userId, row.userId), ne(passwordResets.id, row.id), isNull(passwordResets.usedAt), isNull(passwordResets.revokedAt), claimed)),
    revokeAllSessionsStatement(app, row.userId, claimed),
    clearFailuresStatement(app, row.email, claimed),
    app.db.insert(sessions).select(
      app.db
        .select({
          id: sql<string>`${session.row.id}`.as("id"),
          tokenHash: sql<string>`${session.row.tokenHash}`.as("token_hash"),
          userId: sql<string>`${session.row.userId}`.as("user_id"),
          userAgent: sql<string | null>`${session.row.userAgent}`.as("user_agent"),
          createdAt: sql<number>`${session.row.createdAt}`.as("created_at"),
          lastSeenAt: sql<number>`${session.row.lastSeenAt}`.as("last_seen_at"),
          expiresAt: sql<number>`${session.row.expiresAt}`.as("expires_at"),
          revokedAt: sql<null>`NULL`.as("revoked_at"),
        })
        .from(passwordResets)
        .where(claimedRow),
    ),
    auditInsertWhere(
      app,
      { actorId: row.userId, action: "user.password_reset", targetType: "user", targetId: row.userId, metadata: { via: "email_link", passwordResetId: row.id } },
      passwordResets,
      claimedRow,
    ),
  ]);
  if (!claim.length) {
    // A parallel use (another tab) claimed it first, or it expired or was revoked meanwhile.
    const after = await app.db.select().from(passwordResets).where(eq(passwordResets.id, row.id)).get();
    const status = after ? stateOf({ ...row, ...after }, t) : { status: "unknown" as const };
    app.logger.info("auth.password_reset_refused", { passwordResetId: row.id, status: status.status });
    return status.status === "valid" ? { status: "used" } : status;
  }
  app.logger.info("auth.password_reset", { userId: row.userId, passwordResetId: row.id, sessionId: session.row.id });
  await notifyPasswordChanged(app, { id: row.userId, email: row.email, name: row.name }, { changedAt: t, via: "reset_link" }, `password-changed/${row.id}`);
  return { status: "reset", userId: row.userId, setCookie: session.setCookie };
}

/** A link with its account, as read by its token. */
export type PasswordResetRow = NonNullable<Awaited<ReturnType<typeof findByToken>>>;

function stateOf(row: PasswordResetRow, t: number): PasswordResetLinkState {
  if (row.usedAt !== null) return { status: "used" };
  if (row.revokedAt !== null) return { status: "revoked" };
  if (row.expiresAt <= t) return { status: "expired" };
  return { status: "valid", email: row.email, expiresAt: row.expiresAt };
}

/** The link with this token and its account's address and name, or null. */
export async function findByToken(app: AppContext, token: unknown) {
  const parsed = passwordResetTokenSchema.safeParse(token);
  if (!parsed.success) return null;
  const row = await app.db
    .select({
      id: passwordResets.id,
      userId: passwordResets.userId,
      expiresAt: passwordResets.expiresAt,
      usedAt: passwordResets.usedAt,
      revokedAt: passwordResets.revokedAt,
      email: users.email,
      name: users.name,
    })
    .from(passwordResets)
    .innerJoin(users, eq(users.id, passwordResets.userId))
    .where(eq(passwordResets.tokenHash, await sha256Hex(parsed.data)))
    .get();
  return row ?? null;
}

/**
 * Deletes reset links a day after they expired, used or not: they only answer "used"/"expired"
 * until then (the `user.password_reset` audit record keeps the fact). Returns how many were
 * deleted; safe to run any time.
 */
export async function purgePasswordResets(app: AppContext): Promise<number> {
  const result = await app.db.delete(passwordResets).where(lt(passwordResets.expiresAt, now() - PASSWORD_RESET_RETENTION_MS)).run();
  if (result.meta.changes) app.logger.info("auth.password_resets_purged", { count: result.meta.changes });
  return result.meta.changes;
}

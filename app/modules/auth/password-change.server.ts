import { and, eq, exists, ne, sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { auditInsertWhere } from "~/modules/audit/audit.server";
import { sendEmail } from "~/modules/email/email.server";
import { now } from "~/utils/clock";
import { AppError, parseOrThrow } from "~/utils/errors";
import { sessions, users } from "~drizzle/schema";
import { hashPassword, verifyPassword } from "./password.server";
import { changePasswordSchema } from "./schemas";
import { revokeAllSessionsStatement, type SessionUser } from "./session.server";
import { assertNotThrottled, recordFailure, throttleKeys } from "./throttle.server";

/**
 * A signed-in user changes their password on /account. The current password must be right (a
 * wrong one counts towards the log-in lockout of the address, so the form cannot be used to guess
 * it). Then one batch: the hash changes only if it is still the one just checked (two tabs at
 * once: one wins, the other is told), every other device is signed out, and `user.password_changed`
 * is audited, each only if the change happened. The owner gets the "password changed" email.
 * API keys are separate credentials and stay (the email says where to revoke them).
 */
export async function changePassword(app: AppContext, user: SessionUser, input: unknown, ip: string | null): Promise<{ otherSessions: number }> {
  const data = parseOrThrow(changePasswordSchema, input);
  const keys = throttleKeys(user.email, ip);
  await assertNotThrottled(app, keys);
  if (!(await verifyPassword(data.currentPassword, user.passwordHash))) {
    await recordFailure(app, keys);
    app.logger.warn("auth.password_change_refused", { userId: user.id, reason: "wrong_current_password" });
    throw AppError.validation({ currentPassword: ["That is not your current password"] }, "Your current password is not right, so nothing was changed.");
  }
  const passwordHash = await hashPassword(data.password);
  const t = now();
  // Every statement after the first runs only if the new hash (its salt is new) is the one stored.
  const stored = and(eq(users.id, user.id), eq(users.passwordHash, passwordHash))!;
  const changed = exists(app.db.select({ one: sql`1` }).from(users).where(stored));
  const [updated, revoked] = await app.db.batch([
    app.db
      .update(users)
      .set({ passwordHash, updatedAt: t })
      .where(and(eq(users.id, user.id), eq(users.passwordHash, user.passwordHash)))
      .returning({ id: users.id }),
    revokeAllSessionsStatement(app, user.id, and(user.sessionId ? ne(sessions.id, user.sessionId) : undefined, changed)).returning({ id: sessions.id }),
    auditInsertWhere(app, { actorId: user.id, action: "user.password_changed", targetType: "user", targetId: user.id, metadata: { via: "account" } }, users, stored),
  ]);
  if (!updated.length) {
    app.logger.warn("auth.password_change_refused", { userId: user.id, reason: "changed_meanwhile" });
    throw new AppError("conflict", "Your password was changed from another tab or device a moment ago, so this change was not made. Sign in again if you were signed out.");
  }
  app.logger.info("auth.password_changed", { userId: user.id, otherSessions: revoked.length });
  await notifyPasswordChanged(app, user, { changedAt: t, via: "account" }, `password-changed/${user.id}/${t}`);
  return { otherSessions: revoked.length };
}

/** The "your password was changed" email; a lost notice never turns a done change into an error. */
export async function notifyPasswordChanged(app: AppContext, user: { id: string; email: string; name: string }, change: { changedAt: number; via: "reset_link" | "account" }, idempotencyKey: string) {
  try {
    await sendEmail(app, {
      template: "password-changed",
      to: user.email,
      idempotencyKey,
      data: { name: user.name, ...change, accountUrl: `${app.config.APP_URL}/account` },
    });
  } catch (error) {
    app.logger.error("auth.password_changed_email_failed", { userId: user.id, error });
  }
}

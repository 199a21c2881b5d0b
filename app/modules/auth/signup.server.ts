import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { auditInsertWhere } from "~/modules/audit/audit.server";
import { sendEmail } from "~/modules/email/email.server";
import { DAY, HOUR, now } from "~/utils/clock";
import { parseOrThrow } from "~/utils/errors";
import { createId, randomToken, sha256Hex } from "~/utils/ids";
import { signupConfirmations, users } from "~drizzle/schema";
import { hashPassword, verifyPassword } from "./password.server";
import { signupSchema } from "./schemas";
import type { SessionUser } from "./session.server";
import { assertNotThrottled, failureStatements, signupThrottleKeys } from "./throttle.server";
import { isSameSitePath } from "~/utils/redirect";

/*
 * Sign-up by confirmed email. Submitting the form never says whether the address has an account:
 * a new address gets a confirmation link (the account is created when it is used), an address
 * with an account gets "you already have an account" instead, and both get the same answer, after
 * the same work (a password hash, one lookup, one batch, one queued email).
 */

/** How long a confirmation link works. */
export const SIGNUP_CONFIRMATION_TTL_MS = 24 * HOUR;
/** How long an unused, expired sign-up is kept (its link answers "expired" meanwhile) before it is deleted. */
export const UNCONFIRMED_SIGNUP_RETENTION_MS = 7 * DAY;

const SIGNUP_LOCKED = "Too many sign-up attempts. Please wait a few minutes and try again.";

/** The link's token: 32 random bytes, hex. Anything else is unknown without a lookup. */
export const signupTokenSchema = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * Validates the form, then (throttled per address and per client) either stores a pending sign-up
 * and emails its confirmation link, or emails the owner of an existing account. Returns the
 * normalized address for the "check your inbox" answer, which is the same in both cases.
 */
export async function requestSignup(app: AppContext, input: unknown, ip: string | null, options: { next?: string | null } = {}): Promise<{ email: string }> {
  const data = parseOrThrow(signupSchema, input);
  // Where the person was going ("Sign up for Pro" → /pricing): carried in the link, checked again on use.
  const next = isSameSitePath(options.next) ? `&next=${encodeURIComponent(options.next)}` : "";
  const keys = signupThrottleKeys(data.email, ip);
  await assertNotThrottled(app, keys, SIGNUP_LOCKED);
  // Hashed in both branches so an existing address costs the same time as a new one.
  const passwordHash = await hashPassword(data.password);
  const existing = await app.db.select({ id: users.id, name: users.name }).from(users).where(eq(users.email, data.email)).get();
  const [countAttempt, ...countOthers] = failureStatements(app, keys);
  const t = now();
  if (existing) {
    await app.db.batch([countAttempt!, ...countOthers]);
    await sendEmail(app, {
      template: "signup-existing-account",
      to: data.email,
      // A fresh id per attempt: each attempt is its own email (the throttle bounds how many).
      idempotencyKey: `signup-existing-account/${createId("signupConfirmation")}`,
      data: { name: existing.name, loginUrl: `${app.config.APP_URL}/login` },
    });
    app.logger.info("auth.signup_existing_account", { userId: existing.id });
    return { email: data.email };
  }
  const token = randomToken(32);
  const pending = {
    id: createId("signupConfirmation"),
    email: data.email,
    name: data.name,
    passwordHash,
    tokenHash: await sha256Hex(token),
    createdAt: t,
    expiresAt: t + SIGNUP_CONFIRMATION_TTL_MS,
  };
  await app.db.batch([countAttempt!, ...countOthers, app.db.insert(signupConfirmations).values(pending)]);
  await sendEmail(app, {
    template: "signup-confirm",
    to: data.email,
    idempotencyKey: `signup-confirm/${pending.id}`,
    data: { name: data.name, confirmUrl: `${app.config.APP_URL}/signup/confirm?token=${token}${next}`, expiresAt: pending.expiresAt },
  });
  app.logger.info("auth.signup_requested", { signupConfirmationId: pending.id });
  return { email: data.email };
}

export type SignupLinkState =
  | { status: "valid"; email: string; name: string; expiresAt: number }
  | { status: "unknown" | "expired" | "used" | "account_exists" };

/** What a confirmation link leads to, read only (GET: mail scanners that open links change nothing). */
export async function inspectSignupLink(app: AppContext, token: unknown): Promise<SignupLinkState> {
  const row = await findByToken(app, token);
  if (!row) return { status: "unknown" };
  if (row.consumedAt !== null) return { status: "used" };
  if (row.expiresAt <= now()) return { status: "expired" };
  return { status: "valid", email: row.email, name: row.name, expiresAt: row.expiresAt };
}

export type SignupConfirmation = { status: "created"; user: SessionUser } | { status: "unknown" | "expired" | "used" | "account_exists" | "wrong_password" };

/**
 * Uses a confirmation link (POST): creates the student account exactly once. One batch (one
 * transaction) claims the confirmation (`consumed_at IS NULL` → this call's new user id), creates
 * the user from the claimed row and audits it; a parallel confirm claims nothing and so creates
 * nothing, and an address that got an account meanwhile fails the users.email unique index, which
 * rolls the whole batch back.
 */
export async function confirmSignup(app: AppContext, token: unknown, password: unknown): Promise<SignupConfirmation> {
  const row = await findByToken(app, token);
  if (!row) return { status: "unknown" };
  if (row.consumedAt !== null) return { status: "used" };
  const t = now();
  if (row.expiresAt <= t) return { status: "expired" };
  // Only whoever chose the password may confirm: someone who signed up with another person's
  // address cannot get that person to create an account whose password they know.
  if (typeof password !== "string" || !(await verifyPassword(password, row.passwordHash))) return { status: "wrong_password" };
  const userId = createId("user");
  const claimed = and(eq(signupConfirmations.id, row.id), eq(signupConfirmations.userId, userId));
  try {
    await app.db.batch([
      app.db
        .update(signupConfirmations)
        .set({ consumedAt: t, userId })
        .where(and(eq(signupConfirmations.id, row.id), isNull(signupConfirmations.consumedAt), gt(signupConfirmations.expiresAt, t))),
      app.db.insert(users).select(
        app.db
          .select({
            id: sql<string>`${userId}`.as("id"),
            email: signupConfirmations.email,
            name: signupConfirmations.name,
            passwordHash: signupConfirmations.passwordHash,
            role: sql<"student">`'student'`.as("role"),
            createdAt: sql<number>`${t}`.as("created_at"),
            updatedAt: sql<number>`${t}`.as("updated_at"),
          })
          .from(signupConfirmations)
          .where(claimed),
      ),
      auditInsertWhere(
        app,
        { actorId: userId, action: "user.signed_up", targetType: "user", targetId: userId, metadata: { via: "email_confirmation", signupConfirmationId: row.id } },
        signupConfirmations,
        claimed!,
      ),
    ]);
  } catch (error) {
    if (!String(error).includes("UNIQUE")) throw error;
    // Another confirmation for this address (or an admin) created the account first.
    app.logger.info("auth.signup_account_exists", { signupConfirmationId: row.id });
    return { status: "account_exists" };
  }
  const user = await app.db.select().from(users).where(eq(users.id, userId)).get();
  if (!user) {
    // A parallel confirm (double click) claimed it first; it created the account.
    return { status: "used" };
  }
  app.logger.info("auth.signed_up", { userId: user.id, signupConfirmationId: row.id });
  return { status: "created", user: { ...user, sessionId: null, via: "session" } };
}

async function findByToken(app: AppContext, token: unknown) {
  const parsed = signupTokenSchema.safeParse(token);
  if (!parsed.success) return null;
  return (await app.db.select().from(signupConfirmations).where(eq(signupConfirmations.tokenHash, await sha256Hex(parsed.data))).get()) ?? null;
}

/**
 * Deletes sign-ups never confirmed whose link expired over UNCONFIRMED_SIGNUP_RETENTION_MS ago:
 * they hold a password hash for an account that does not exist. Confirmed ones stay (the account's
 * `user.signed_up` audit record names them). Returns how many were deleted; safe to run any time.
 */
export async function purgeUnconfirmedSignups(app: AppContext): Promise<number> {
  const result = await app.db
    .delete(signupConfirmations)
    .where(and(isNull(signupConfirmations.consumedAt), lt(signupConfirmations.expiresAt, now() - UNCONFIRMED_SIGNUP_RETENTION_MS)))
    .run();
  if (result.meta.changes) app.logger.info("auth.unconfirmed_signups_purged", { count: result.meta.changes });
  return result.meta.changes;
}

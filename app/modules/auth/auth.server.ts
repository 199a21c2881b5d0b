import { redirect } from "@remix-run/cloudflare";
import { and, eq } from "drizzle-orm";
import { Authenticator } from "remix-auth";
import { FormStrategy } from "remix-auth-form";
import type { AppContext } from "~/context.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { now } from "~/utils/clock";
import { AppError, errorResponse, parseOrThrow } from "~/utils/errors";
import { users, type Role } from "~drizzle/schema";
import { authenticateApiToken } from "./api-tokens.server";
import { DUMMY_HASH, verifyPassword } from "./password.server";
import { hasPermission, type Permission } from "./permissions";
import { loginSchema } from "./schemas";
import { getSessionUser, type SessionUser } from "./session.server";
import { assertNotThrottled, clearFailures, recordFailure, throttleKeys } from "./throttle.server";

export type PublicUser = Pick<SessionUser, "id" | "email" | "name" | "role">;
export const toPublicUser = (u: PublicUser): PublicUser => ({ id: u.id, email: u.email, name: u.name, role: u.role });

const INVALID_CREDENTIALS = "Email or password is incorrect.";

export function clientIp(request: Request): string | null {
  return request.headers.get("CF-Connecting-IP");
}

/**
 * Checks credentials with the same cost whether or not the account exists, and throttles
 * repeated failures per email and per client address.
 */
export async function verifyCredentials(app: AppContext, input: unknown, ip: string | null): Promise<SessionUser> {
  const data = parseOrThrow(loginSchema, input);
  const keys = throttleKeys(data.email, ip);
  await assertNotThrottled(app, keys);
  const user = await app.db.select().from(users).where(eq(users.email, data.email)).get();
  const ok = await verifyPassword(data.password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok) {
    await recordFailure(app, keys);
    app.logger.warn("auth.login_failed", { reason: user ? "bad_password" : "unknown_email" });
    throw new AppError("unauthenticated", INVALID_CREDENTIALS, { status: 401 });
  }
  await clearFailures(app, data.email);
  return { ...user, sessionId: null, via: "session" };
}

/** remix-auth with the form strategy, built per request because it needs the request's context. */
export function createAuthenticator(app: AppContext) {
  const authenticator = new Authenticator<SessionUser>();
  authenticator.use(
    new FormStrategy(async ({ form, request }) =>
      verifyCredentials(app, Object.fromEntries(form), clientIp(request)),
    ),
    "form",
  );
  return authenticator;
}

const isApi = (request: Request) => new URL(request.url).pathname.startsWith("/api/");

/** The caller: a Bearer API token on `/api/*`, otherwise the session cookie. */
export async function getUser(app: AppContext, request: Request): Promise<SessionUser | null> {
  const authorization = request.headers.get("Authorization");
  if (authorization !== null) {
    if (!isApi(request)) return null;
    const user = await authenticateApiToken(app, authorization);
    if (!user) throw errorResponse(new AppError("unauthenticated", "The API token is invalid or revoked."), app.requestId);
    return user;
  }
  return getSessionUser(app, request);
}

/** Throws a redirect to the login page (pages) or a 401 JSON error (API) when nobody is signed in. */
export async function requireUser(app: AppContext, request: Request): Promise<SessionUser> {
  const user = await getUser(app, request);
  if (user) return user;
  if (isApi(request)) throw errorResponse(AppError.unauthenticated(), app.requestId);
  const url = new URL(request.url);
  throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
}

/** As requireUser, then a 403 (JSON error body; the page error boundary reads it) without the permission. */
export async function requireUserWithPermission(app: AppContext, request: Request, permission: Permission) {
  const user = await requireUser(app, request);
  if (!hasPermission(user, permission)) {
    app.logger.warn("auth.forbidden", { userId: user.id, permission });
    throw errorResponse(AppError.forbidden(), app.requestId);
  }
  return user;
}

export async function requireAnonymous(app: AppContext, request: Request) {
  if (await getSessionUser(app, request)) throw redirect("/account");
}

/**
 * Changes a user's role and audits it in one batch. `update:role:any` (admins) may set any role;
 * `update:role:own` only lets a student become an instructor.
 */
export async function changeRole(app: AppContext, actor: SessionUser, targetId: string, role: Role) {
  const isSelfService = actor.id === targetId && actor.role === "student" && role === "instructor";
  if (!hasPermission(actor, "update:role:any") && !(isSelfService && hasPermission(actor, "update:role:own"))) {
    throw AppError.forbidden();
  }
  if (actor.id === targetId && actor.role === "admin" && role !== "admin") {
    throw new AppError("conflict", "Admins cannot remove their own admin role; ask another admin.");
  }
  const target = await app.db.select().from(users).where(eq(users.id, targetId)).get();
  if (!target) throw AppError.notFound("User");
  if (target.role === role) return target;
  await app.db.batch([
    app.db.update(users).set({ role, updatedAt: now() }).where(and(eq(users.id, targetId), eq(users.role, target.role))),
    auditInsert(app, {
      actorId: actor.id,
      action: "user.role_changed",
      targetType: "user",
      targetId,
      metadata: { from: target.role, to: role },
    }),
  ]);
  app.logger.info("auth.role_changed", { userId: actor.id, targetId, from: target.role, to: role });
  return { ...target, role };
}


import { createCookie } from "@remix-run/cloudflare";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { DAY, now } from "~/utils/clock";
import { createId, randomToken, sha256Hex } from "~/utils/ids";
import { sessions, users } from "~drizzle/schema";

export const SESSION_TTL = 30 * DAY;
/** Sessions are extended at most once per this interval, to keep reads cheap. */
const TOUCH_INTERVAL = DAY;

function sessionCookie(app: Pick<AppContext, "config">) {
  return createCookie("__session", {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure: app.config.APP_ENV === "production",
    secrets: [app.config.SESSION_SECRET],
    maxAge: SESSION_TTL / 1000,
  });
}

export type SessionUser = typeof users.$inferSelect & { sessionId: string | null; via: "session" | "token" };

/** Creates a session row and returns the Set-Cookie header that carries its id. */
export async function createSession(app: AppContext, userId: string, userAgent: string | null) {
  const token = randomToken(32);
  const t = now();
  const id = createId("session");
  await app.db.insert(sessions).values({
    id,
    tokenHash: await sha256Hex(token),
    userId,
    userAgent: userAgent?.slice(0, 255) ?? null,
    createdAt: t,
    lastSeenAt: t,
    expiresAt: t + SESSION_TTL,
  });
  return { id, setCookie: await sessionCookie(app).serialize(token) };
}

export async function readSessionToken(app: AppContext, request: Request): Promise<string | null> {
  const value = await sessionCookie(app).parse(request.headers.get("Cookie"));
  return typeof value === "string" && /^[0-9a-f]{64}$/.test(value) ? value : null;
}

/** The user behind the request's session cookie, or null if absent, expired or revoked. */
export async function getSessionUser(app: AppContext, request: Request): Promise<SessionUser | null> {
  const token = await readSessionToken(app, request);
  if (!token) return null;
  const t = now();
  const row = await app.db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, await sha256Hex(token)), isNull(sessions.revokedAt), gt(sessions.expiresAt, t)))
    .get();
  if (!row) return null;
  if (t - row.session.lastSeenAt > TOUCH_INTERVAL) {
    app.ctx.waitUntil(
      app.db
        .update(sessions)
        .set({ lastSeenAt: t, expiresAt: t + SESSION_TTL })
        .where(eq(sessions.id, row.session.id))
        .run()
        .then(() => undefined),
    );
  }
  return { ...row.user, sessionId: row.session.id, via: "session" };
}

export async function destroySessionCookie(app: AppContext) {
  return sessionCookie(app).serialize("", { maxAge: 0 });
}

/** Revokes one session of `userId` (ownership enforced by the where clause). */
export async function revokeSession(app: AppContext, userId: string, sessionId: string): Promise<boolean> {
  const result = await app.db
    .update(sessions)
    .set({ revokedAt: now() })
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .run();
  return result.meta.changes > 0;
}

/** "Log out everywhere": revokes every live session of the user. */
export async function revokeAllSessions(app: AppContext, userId: string): Promise<number> {
  const result = await app.db
    .update(sessions)
    .set({ revokedAt: now() })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .run();
  return result.meta.changes;
}

export async function listActiveSessions(app: AppContext, userId: string) {
  return app.db
    .select({
      id: sessions.id,
      userAgent: sessions.userAgent,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now())))
    .orderBy(sessions.createdAt)
    .all();
}

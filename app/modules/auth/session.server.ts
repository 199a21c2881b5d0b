import { createCookie } from "@remix-run/cloudflare";
import { and, eq, gt, isNull, type SQL } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { D1Meter } from "~/modules/observability/d1-meter";
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
  const { row, setCookie } = await newSession(app, userId, userAgent);
  await app.db.insert(sessions).values(row);
  return { id: row.id, setCookie };
}

/** A session row not yet stored and the Set-Cookie header for it, for callers that insert it in their own batch. */
export async function newSession(app: AppContext, userId: string, userAgent: string | null) {
  const token = randomToken(32);
  const t = now();
  const row = {
    id: createId("session"),
    tokenHash: await sha256Hex(token),
    userId,
    userAgent: userAgent?.slice(0, 255) ?? null,
    createdAt: t,
    lastSeenAt: t,
    expiresAt: t + SESSION_TTL,
  } satisfies typeof sessions.$inferInsert;
  return { row, setCookie: await sessionCookie(app).serialize(token) };
}

/*
 * Per-request memo (issue 16: at most two sequential D1 round trips per signed-in page). Remix runs
 * the root loader and the route's loader at the same time and each asks who is signed in: they
 * share one session query. The memo lives as long as the request's metered D1 binding and is
 * trusted only while no write went through that binding since it was read, so an action that
 * signs out, revokes or changes the user is seen by the loaders that run after it.
 */
type SessionMemo = { cookie: string | null; token: Promise<{ token: string; hash: string } | null>; user?: { writes: number; token: string; promise: Promise<SessionUser | null> } };
const memos = new WeakMap<object, SessionMemo>();

function memoFor(app: AppContext, request: Request): SessionMemo {
  const cookie = request.headers.get("Cookie");
  const key = D1Meter.of(app.env.DB);
  const memo = key && memos.get(key);
  if (memo && memo.cookie === cookie) return memo;
  const token = sessionCookie(app)
    .parse(cookie)
    .then(async (value: unknown) => (typeof value === "string" && /^[0-9a-f]{64}$/.test(value) ? { token: value, hash: await sha256Hex(value) } : null));
  const fresh: SessionMemo = { cookie, token };
  if (key) memos.set(key, fresh);
  return fresh;
}

export async function readSessionToken(app: AppContext, request: Request): Promise<string | null> {
  return (await memoFor(app, request).token)?.token ?? null;
}

/** SHA-256 of the request's session token (what `sessions.token_hash` holds), or null without a valid cookie. */
export async function sessionTokenHash(app: AppContext, request: Request): Promise<string | null> {
  return (await memoFor(app, request).token)?.hash ?? null;
}

/** The user behind the request's session cookie, or null if absent, expired or revoked. */
export async function getSessionUser(app: AppContext, request: Request): Promise<SessionUser | null> {
  const memo = memoFor(app, request);
  const parsed = await memo.token;
  if (!parsed) return null;
  const meter = D1Meter.of(app.env.DB);
  if (meter && memo.user && memo.user.token === parsed.hash && memo.user.writes === meter.writes) return memo.user.promise;
  const promise = lookupSessionUser(app, parsed.hash);
  if (meter) {
    memo.user = { writes: meter.writes, token: parsed.hash, promise };
    promise.catch(() => {
      if (memo.user?.promise === promise) memo.user = undefined;
    });
  }
  return promise;
}

async function lookupSessionUser(app: AppContext, tokenHash: string): Promise<SessionUser | null> {
  const t = now();
  const row = await app.db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, t)))
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
  const result = await revokeAllSessionsStatement(app, userId).run();
  return result.meta.changes;
}

/** The UPDATE behind "log out everywhere", for callers that batch it; `onlyIf` adds a condition (a claim the batch made). */
export function revokeAllSessionsStatement(app: AppContext, userId: string, onlyIf?: SQL) {
  return app.db
    .update(sessions)
    .set({ revokedAt: now() })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), onlyIf));
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

/*
 * D1 read replication (issue 16, docs/decisions/008-d1-read-replication.md). Every request reads
 * through a D1 session: page views and API reads (GET/HEAD) start "first-unconstrained" (any
 * replica, usually the nearest) or from the browser's bookmark, so a user always reads at least
 * what they last wrote or saw; form posts and API writes start "first-primary". The bookmark the
 * session ends with goes back in a cookie, and the next request continues from it.
 */

export const BOOKMARK_COOKIE = "__d1b";
/** A year: the bookmark only orders reads, it holds nothing about the user. */
const BOOKMARK_MAX_AGE = 365 * 24 * 60 * 60;
/** D1 bookmarks are hex groups joined by dashes; anything else from a browser is ignored. */
const BOOKMARK = /^[0-9a-f]{1,40}(?:-[0-9a-f]{1,40}){0,7}$/i;

export type D1Session = { db: D1DatabaseSession | D1Database; bookmark: string | null; session: D1DatabaseSession | null };

/** The browser's bookmark from its cookie, if it looks like one. */
export function bookmarkFromCookie(request: Request): string | null {
  const match = /(?:^|;\s*)__d1b=([^;]{1,400})/.exec(request.headers.get("Cookie") ?? "");
  const value = match ? decodeURIComponent(match[1]!) : null;
  return value && BOOKMARK.test(value) ? value : null;
}

/** Opens the request's D1 session: reads near the user unless the request writes. */
export function openD1Session(db: D1Database, request: Request): D1Session {
  const bookmark = bookmarkFromCookie(request);
  const reads = request.method === "GET" || request.method === "HEAD";
  if (typeof db.withSession !== "function") return { db, bookmark, session: null };
  try {
    const session = db.withSession(reads ? (bookmark ?? "first-unconstrained") : "first-primary");
    return { db: session, bookmark, session };
  } catch {
    // A bookmark D1 does not accept (too old, another database): start from any replica.
    const session = db.withSession(reads ? "first-unconstrained" : "first-primary");
    return { db: session, bookmark: null, session };
  }
}

/** The Set-Cookie that carries the session's bookmark forward, or null when it did not move. */
export function bookmarkSetCookie(d1: D1Session, secure: boolean): string | null {
  const next = d1.session?.getBookmark() ?? null;
  if (!next || next === d1.bookmark || !BOOKMARK.test(next)) return null;
  return `${BOOKMARK_COOKIE}=${encodeURIComponent(next)}; Path=/; Max-Age=${BOOKMARK_MAX_AGE}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

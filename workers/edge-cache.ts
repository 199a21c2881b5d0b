// Anonymous pages from the edge (issue 16, docs/decisions/006-edge-latency.md): home, the catalog
// (any filters), course pages, pricing and course share images are kept in the Workers Cache API
// (caches.default) for visitors without a session. The cache key carries the edge cache version
// (drizzle/schema/edge.ts), which SQLite triggers bump on every change to a course, its modules or
// its reviews, so a published, edited, reviewed or unpublished course retires every cached page.
// Requests with a session cookie or an Authorization header are never looked up nor stored, and a
// response that sets a cookie is never stored.
import type { AppContext } from "~/context.server";
import { OG_PATH } from "./og/course";
import { pageCsp } from "~/utils/security-headers.server";

/** Pages rendered the same for every anonymous visitor (query strings are part of the key). */
const PAGE_PATHS = [/^\/$/, /^\/courses\/?$/, /^\/courses\/[a-z0-9-]{1,80}$/, /^\/pricing$/];
const SESSION_COOKIE = /(?:^|;\s*)__session=/;

/**
 * Cached pages are rendered with this in place of the browser's CSRF token (root loader data and
 * hidden form fields); each response gets the visitor's own token swapped in on the way out.
 */
export const EDGE_CSRF_PLACEHOLDER = "__edge_csrf_placeholder_5c1f0e__";

/** How long the edge copy lives even if no course changes (other data on pages may change). */
const EDGE_TTL_SECONDS = 300;

export type EdgeRoute = { kind: "page" | "image"; anonymous: boolean };

/** Whether this request is for a cacheable path, and whether it comes from an anonymous visitor. */
export function edgeRoute(request: Request, url: URL): EdgeRoute | null {
  if (request.method !== "GET") return null;
  const kind = OG_PATH.test(url.pathname) ? "image" : PAGE_PATHS.some((p) => p.test(url.pathname)) ? "page" : null;
  if (!kind) return null;
  const anonymous = !request.headers.has("Authorization") && !SESSION_COOKIE.test(request.headers.get("Cookie") ?? "");
  return { kind, anonymous };
}

let memo: { version: number; readAt: number } | null = null;

/**
 * The current edge cache version: read from D1 at most once per `ttlMs` per isolate
 * (EDGE_CACHE_VERSION_TTL_MS), so a cache hit usually costs no D1 round trip and a course change
 * reaches every isolate within that time.
 */
export async function edgeCacheVersion(db: D1Database, ttlMs: number): Promise<number> {
  const now = Date.now();
  if (memo && ttlMs > 0 && now - memo.readAt < ttlMs) return memo.version;
  const row = await db.prepare("SELECT version FROM edge_cache_version WHERE id = 1").first<{ version: number }>();
  memo = { version: row?.version ?? 0, readAt: now };
  return memo.version;
}

/** The cache key: the URL with sorted query parameters and the version. */
export function edgeCacheKey(url: URL, version: number): Request {
  const params = [...url.searchParams].sort(([a, av], [b, bv]) => (a === b ? av.localeCompare(bv) : a.localeCompare(b)));
  const key = new URL(url.pathname, url.origin);
  for (const [name, value] of params) key.searchParams.append(name, value);
  key.searchParams.set("__edge_v", String(version));
  return new Request(key.toString(), { method: "GET" });
}

/**
 * Serves an anonymous request from caches.default, or renders it with `render` and stores a 200
 * without Set-Cookie. Pages come back with the visitor's CSRF token; `X-Edge-Cache` says
 * HIT, MISS (stored) or BYPASS (not storable).
 */
export async function serveAnonymous(app: AppContext, url: URL, kind: EdgeRoute["kind"], csrfToken: string, render: () => Promise<Response>): Promise<Response> {
  const cache = (caches as CacheStorage & { default: Cache }).default;
  const key = edgeCacheKey(url, await edgeCacheVersion(app.env.DB, app.config.EDGE_CACHE_VERSION_TTL_MS));
  const hit = await cache.match(key);
  if (hit) return finish(hit, kind, csrfToken, "HIT");
  const fresh = await render();
  if (fresh.status !== 200 || fresh.headers.has("Set-Cookie")) return finish(fresh, kind, csrfToken, "BYPASS");
  const body = await fresh.arrayBuffer();
  const stored = new Headers({ "Content-Type": fresh.headers.get("Content-Type") ?? "text/html; charset=utf-8" });
  stored.set("Cache-Control", `public, max-age=${EDGE_TTL_SECONDS}`);
  app.ctx.waitUntil(cache.put(key, new Response(body, { status: 200, headers: stored })).catch((error: unknown) => app.logger.warn("edge_cache.put_failed", { error })));
  return finish(new Response(body, fresh), kind, csrfToken, "MISS");
}

async function finish(response: Response, kind: EdgeRoute["kind"], csrfToken: string, outcome: "HIT" | "MISS" | "BYPASS") {
  const headers = new Headers(response.headers);
  headers.set("X-Edge-Cache", outcome);
  if (kind === "image") {
    if (response.ok) headers.set("Cache-Control", "public, max-age=3600");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
  // The page carries this browser's CSRF token and changes when the visitor signs in: browsers may
  // keep it but must revalidate, and shared caches must key it by cookie.
  headers.set("Cache-Control", "private, no-cache");
  headers.set("Vary", "Cookie");
  headers.delete("Content-Length");
  const isHtml = (headers.get("Content-Type") ?? "").includes("text/html");
  if (!isHtml) return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  let html = (await response.text()).replaceAll(EDGE_CSRF_PLACEHOLDER, csrfToken);
  // A stored page carries the nonce of the render that produced it: every response gets its own
  // nonce in the markup and in its CSP (a cached copy keeps no CSP header of its own).
  const stale = /\snonce="([^"]+)"/.exec(html)?.[1];
  if (stale) {
    const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    html = html.replaceAll(` nonce="${stale}"`, ` nonce="${nonce}"`);
    headers.set("Content-Security-Policy", pageCsp(nonce));
  }
  return new Response(html, { status: response.status, statusText: response.statusText, headers });
}

/** Signed-in responses on cacheable paths: never stored by anyone. */
export function markPrivate(response: Response): Response {
  if (!response.headers.has("Cache-Control")) response.headers.set("Cache-Control", "private, no-store");
  response.headers.append("Vary", "Cookie");
  return response;
}

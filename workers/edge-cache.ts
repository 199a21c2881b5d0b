// Anonymous pages from the edge (issue 16, docs/decisions/006-edge-latency.md): home, the catalog
// (any filters), course pages, pricing and course share images are kept in the Workers Cache API
// (caches.default) for visitors without a session. The cache key carries the edge cache version
// (drizzle/schema/edge.ts), which SQLite triggers bump on every change to a course, its modules or
// its reviews, so a published, edited, reviewed or unpublished course retires every cached page.
// Requests with a session cookie or an Authorization header are never looked up nor stored, and a
// response that sets a cookie is never stored.
//
// In front of caches.default each isolate keeps the pages it served lately in memory (same key,
// same lifetime, at most MEMORY_MAX_BYTES), already split where the visitor's CSRF token and the
// CSP nonce go: a hit then costs no I/O at all and no scan of the page. The Worker entry serves
// these before it builds the request's context or runs Remix (workers/app.ts).
import { OG_PATH } from "./og/course";
import { pageCsp } from "~/utils/security-headers.server";
import { viewerFromRequest } from "~/utils/format";

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
/**
 * A page may say it is fresh only until a given time (epoch ms): a sale on it starts or ends then
 * (app/modules/marketplace/sales.ts). Both cache tiers keep it no longer; the header is not sent on.
 */
export const FRESH_UNTIL_HEADER = "X-Edge-Fresh-Until";
/** The in-isolate tier: the most bytes of pages and images one isolate keeps (oldest use goes first). */
const MEMORY_MAX_BYTES = 16 * 1024 * 1024;

export type EdgeRoute = { kind: "page" | "image"; anonymous: boolean };

/** What serving from the edge needs: the request's (metered) D1 binding, the version TTL, waitUntil and a logger. */
export type EdgeDeps = {
  db: D1Database;
  versionTtlMs: number;
  waitUntil: (promise: Promise<unknown>) => void;
  warn: (event: string, fields: Record<string, unknown>) => void;
};

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

/**
 * The cache key: the URL with sorted query parameters, the version and, for pages, the viewer's
 * locale and time zone (pages print dates, numbers and money for them; app/utils/format.ts).
 */
export function edgeCacheKey(url: URL, version: number, viewer = ""): Request {
  return new Request(edgeCacheKeyUrl(url, version, viewer), { method: "GET" });
}

function edgeCacheKeyUrl(url: URL, version: number, viewer: string): string {
  const params = [...url.searchParams].sort(([a, av], [b, bv]) => (a === b ? av.localeCompare(bv) : a.localeCompare(b)));
  const key = new URL(url.pathname, url.origin);
  for (const [name, value] of params) key.searchParams.append(name, value);
  key.searchParams.set("__edge_v", String(version));
  if (viewer) key.searchParams.set("__edge_viewer", viewer);
  return key.toString();
}

/** The part of a page's cache key that follows its reader: locale and time zone. */
export function viewerVariant(request: Request): string {
  const viewer = viewerFromRequest(request);
  return `${viewer.locale}|${viewer.timeZone}`;
}

/** A page split where the visitor's CSRF token and the response's CSP nonce go. */
type Template = { parts: string[]; slots: ("csrf" | "nonce")[] };
type Stored = { expires: number; bytes: number; contentType: string; page?: Template; image?: ArrayBuffer; encoded?: Uint8Array[] };

const memory = new Map<string, Stored>();
let memoryBytes = 0;

function recall(key: string): Stored | undefined {
  const stored = memory.get(key);
  if (!stored) return undefined;
  memory.delete(key);
  if (stored.expires <= Date.now()) {
    memoryBytes -= stored.bytes;
    return undefined;
  }
  memory.set(key, stored); // most recently used last
  return stored;
}

function remember(key: string, stored: Stored) {
  if (stored.bytes > MEMORY_MAX_BYTES / 4) return;
  const previous = memory.get(key);
  if (previous) {
    memory.delete(key);
    memoryBytes -= previous.bytes;
  }
  for (const [oldKey, old] of memory) {
    if (memoryBytes + stored.bytes <= MEMORY_MAX_BYTES) break;
    memory.delete(oldKey);
    memoryBytes -= old.bytes;
  }
  memory.set(key, stored);
  memoryBytes += stored.bytes;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

function compile(html: string): Template {
  // The render's own nonce (the first one in the markup) is replaced in every response.
  const stale = /\snonce="([^"]+)"/.exec(html)?.[1];
  const marker = new RegExp(stale ? `${EDGE_CSRF_PLACEHOLDER}| nonce="${escapeRe(stale)}"` : EDGE_CSRF_PLACEHOLDER, "g");
  const parts: string[] = [];
  const slots: Template["slots"] = [];
  let last = 0;
  for (const match of html.matchAll(marker)) {
    parts.push(html.slice(last, match.index));
    slots.push(match[0] === EDGE_CSRF_PLACEHOLDER ? "csrf" : "nonce");
    last = match.index + match[0].length;
  }
  parts.push(html.slice(last));
  return { parts, slots };
}

const newNonce = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));

function pageHeaders(contentType: string, outcome: string) {
  // The page carries this browser's CSRF token and changes when the visitor signs in: browsers may
  // keep it but must revalidate, and shared caches must key it by cookie.
  // X-Frame-Options as every rendered page has it (app/entry.server.tsx).
  return new Headers({ "Content-Type": contentType, "X-Edge-Cache": outcome, "Cache-Control": "private, no-cache", Vary: "Cookie", "X-Frame-Options": "DENY" });
}

/** A stored page or image as this visitor's response (own CSRF token, fresh nonce and CSP). */
function respond(stored: Stored, csrfToken: string, outcome: "HIT" | "MISS" | "BYPASS"): Response {
  if (stored.image) {
    return new Response(stored.image, { headers: { "Content-Type": stored.contentType, "X-Edge-Cache": outcome, "Cache-Control": "public, max-age=3600" } });
  }
  const headers = pageHeaders(stored.contentType, outcome);
  // A stored page carries the nonce of the render that produced it: every response gets its own
  // nonce in the markup and in its CSP (a cached copy keeps no CSP header of its own).
  const nonce = stored.page!.slots.includes("nonce") ? newNonce() : null;
  if (nonce) headers.set("Content-Security-Policy", pageCsp(nonce));
  return new Response(fillBytes(stored, csrfToken, nonce ?? ""), { headers });
}

function fill({ parts, slots }: Template, csrfToken: string, nonce: string) {
  let html = parts[0]!;
  for (let i = 0; i < slots.length; i++) html += (slots[i] === "csrf" ? csrfToken : ` nonce="${nonce}"`) + parts[i + 1]!;
  return html;
}

const utf8 = new TextEncoder();

/** As fill, into bytes: the page's parts are encoded once when stored and copied per response. */
function fillBytes(stored: Stored, csrfToken: string, nonce: string): Uint8Array<ArrayBuffer> {
  const { slots } = stored.page!;
  const encoded = (stored.encoded ??= stored.page!.parts.map((part) => utf8.encode(part)));
  const csrf = utf8.encode(csrfToken);
  const nonceAttr = utf8.encode(` nonce="${nonce}"`);
  let length = 0;
  for (const part of encoded) length += part.byteLength;
  for (const slot of slots) length += slot === "csrf" ? csrf.byteLength : nonceAttr.byteLength;
  const out = new Uint8Array(new ArrayBuffer(length));
  let at = 0;
  for (let i = 0; i < encoded.length; i++) {
    out.set(encoded[i]!, at);
    at += encoded[i]!.byteLength;
    if (i < slots.length) {
      const slot = slots[i] === "csrf" ? csrf : nonceAttr;
      out.set(slot, at);
      at += slot.byteLength;
    }
  }
  return out;
}

async function toStored(response: Response, kind: EdgeRoute["kind"]): Promise<Stored> {
  const contentType = response.headers.get("Content-Type") ?? (kind === "image" ? "image/png" : "text/html; charset=utf-8");
  const freshUntil = Number(response.headers.get(FRESH_UNTIL_HEADER) ?? NaN);
  const expires = Math.min(Date.now() + EDGE_TTL_SECONDS * 1000, Number.isFinite(freshUntil) ? freshUntil : Infinity);
  if (kind === "image") {
    const image = await response.arrayBuffer();
    return { expires, bytes: image.byteLength, contentType, image };
  }
  const html = await response.text();
  // Counted as the string and its UTF-8 copy (made on first response).
  return { expires, bytes: html.length * 3, contentType, page: compile(html) };
}

/**
 * Serves an anonymous request from this isolate's memory or caches.default, or renders it with
 * `render` and stores a 200 without Set-Cookie. Pages come back with the visitor's CSRF token;
 * `X-Edge-Cache` says HIT, MISS (stored) or BYPASS (not storable).
 */
export async function serveAnonymous(deps: EdgeDeps, url: URL, kind: EdgeRoute["kind"], csrfToken: string, render: () => Promise<Response>, viewer = ""): Promise<Response> {
  const key = edgeCacheKeyUrl(url, await edgeCacheVersion(deps.db, deps.versionTtlMs), kind === "page" ? viewer : "");
  const near = recall(key);
  if (near) return respond(near, csrfToken, "HIT");
  const cache = (caches as CacheStorage & { default: Cache }).default;
  const hit = await cache.match(key);
  if (hit) {
    const stored = await toStored(hit, kind);
    remember(key, stored);
    return respond(stored, csrfToken, "HIT");
  }
  const fresh = await render();
  const isHtml = (fresh.headers.get("Content-Type") ?? "").includes("text/html");
  if (fresh.status !== 200 || fresh.headers.has("Set-Cookie") || (kind === "page" && !isHtml)) return bypass(fresh, kind, csrfToken);
  const stored = await toStored(fresh, kind);
  const maxAge = Math.floor((stored.expires - Date.now()) / 1000);
  if (maxAge <= 0) return respond(stored, csrfToken, "BYPASS");
  remember(key, stored);
  // The shared copy holds the page as rendered (placeholder and the render's nonce in it), and
  // its own freshness (a copy read back from caches.default keeps the time it was stored for).
  const body = stored.image ?? fill(stored.page!, EDGE_CSRF_PLACEHOLDER, STORED_NONCE);
  const headers = new Headers({ "Content-Type": stored.contentType, "Cache-Control": `public, max-age=${maxAge}`, [FRESH_UNTIL_HEADER]: String(stored.expires) });
  deps.waitUntil(cache.put(key, new Response(body, { status: 200, headers })).catch((error: unknown) => deps.warn("edge_cache.put_failed", { error })));
  return respond(stored, csrfToken, "MISS");
}

/** The nonce a page is stored with in caches.default (replaced in every response). */
const STORED_NONCE = "edge-stored-nonce";

/** A response that is not stored: still this visitor's token in place of the placeholder. */
async function bypass(response: Response, kind: EdgeRoute["kind"], csrfToken: string) {
  const headers = new Headers(response.headers);
  headers.set("X-Edge-Cache", "BYPASS");
  if (kind === "image") {
    if (response.ok) headers.set("Cache-Control", "public, max-age=3600");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
  headers.set("Cache-Control", "private, no-cache");
  headers.set("Vary", "Cookie");
  headers.delete("Content-Length");
  const isHtml = (headers.get("Content-Type") ?? "").includes("text/html");
  if (!isHtml) return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  const page = compile(await response.text());
  const nonce = newNonce();
  if (page.slots.includes("nonce")) headers.set("Content-Security-Policy", pageCsp(nonce));
  return new Response(fill(page, csrfToken, nonce), { status: response.status, statusText: response.statusText, headers });
}

/** Signed-in responses on cacheable paths: never stored by anyone. */
export function markPrivate(response: Response): Response {
  if (!response.headers.has("Cache-Control")) response.headers.set("Cache-Control", "private, no-store");
  response.headers.append("Vary", "Cookie");
  return response;
}

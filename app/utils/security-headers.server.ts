/**
 * Security headers for every response (applied once, in the Worker entry). Pages get a strict
 * CSP with a per-response nonce for Remix's inline scripts (set in entry.server.tsx); anything
 * else that does not bring its own CSP gets `default-src 'none'`. README.md, "Accounts and security".
 */

/** Features no Coursemint page uses. */
export const PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
export const HSTS = "max-age=63072000; includeSubDomains";
const NO_STORE = "private, no-store";

/** Where a page form may lead: our origin, and Stripe's hosted Checkout / Connect pages in production. */
const FORM_TARGETS = "'self' https://checkout.stripe.com https://connect.stripe.com";

/** The CSP of every Remix page. No inline styles, no inline scripts without the nonce, no framing. */
export function pageCsp(nonce: string) {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'self'",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    `form-action ${FORM_TARGETS}`,
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The Stripe emulator's hosted pages (development only): one inline <style>, no scripts. */
export const EMULATOR_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** JSON, redirects, files without their own policy: nothing may load or frame them. */
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/** Pages that show one person's account, money or admin data, whatever the request carries. */
const PRIVATE_PATHS = /^\/(account|admin|instructor|dev|certificates|learning)(\/|$)/;
/** Public images under random names (covers, avatars, logos): the same bytes for everyone, cacheable by all. */
const PUBLIC_IMAGES = /^\/(covers|avatars|branding)\//;

/** Does the request carry credentials (session cookie or API token)? */
export function isAuthenticated(request: Request) {
  return request.headers.has("Authorization") || /(?:^|;\s*)__session=/.test(request.headers.get("Cookie") ?? "");
}

/**
 * Adds the headers to a response whose headers are mutable. Never weakens what a route set:
 * a route's own CSP (module files, the mailbox HTML) and private caching stay as they are.
 */
export function applySecurityHeaders(headers: Headers, request: Request, opts: { production: boolean }, url = new URL(request.url)) {
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
  headers.set("Permissions-Policy", PERMISSIONS_POLICY);
  if (opts.production) headers.set("Strict-Transport-Security", HSTS);
  if (!headers.has("Content-Security-Policy")) {
    headers.set("Content-Security-Policy", url.pathname.startsWith("/_stripe/") ? EMULATOR_PAGE_CSP : DEFAULT_CSP);
  }
  const cache = headers.get("Cache-Control") ?? "";
  const publicImage = PUBLIC_IMAGES.test(url.pathname) && /\bimmutable\b/.test(cache);
  if (PRIVATE_PATHS.test(url.pathname) || (isAuthenticated(request) && !/\bprivate\b/.test(cache) && !publicImage)) {
    headers.set("Cache-Control", NO_STORE);
  }
}

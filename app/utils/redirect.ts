import * as z from "zod";

const BASE = "https://same-site.invalid";
export const SAME_SITE_PATH_MAX = 500;

/**
 * The one same-site rule for every redirect target we take from a user (login `redirectTo`,
 * Checkout `successPath`/`cancelPath`, ...): a path on this site and nothing a browser could
 * read as another origin. Rejects control characters and whitespace (browsers drop tabs and
 * newlines, so `/\t/evil.example` would become `//evil.example`; a newline would break the
 * Location header), backslashes (read as `/`), `//` (protocol-relative) and anything that does
 * not resolve back to our own origin.
 */
export function isSameSitePath(to: unknown): to is string {
  if (typeof to !== "string" || to.length === 0 || to.length > SAME_SITE_PATH_MAX) return false;
  if (!to.startsWith("/") || to.startsWith("//")) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff\\]/.test(to)) return false;
  try {
    const url = new URL(to, BASE);
    return url.origin === BASE;
  } catch {
    return false;
  }
}

/** zod form of the rule, for schemas that take a return path. */
export const sameSitePathSchema = z.string().refine(isSameSitePath, "Must be a path on this site, starting with /");

/** Only same-site relative paths are followed after login (no open redirects). */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/account") {
  return isSameSitePath(to) ? to : fallback;
}

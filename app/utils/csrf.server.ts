import type { AppContext } from "~/context.server";
import { AppError, errorResponse } from "~/utils/errors";
import { randomToken } from "~/utils/ids";

export const CSRF_COOKIE = "__csrf";
export const CSRF_FIELD = "csrf";

/** The browser's CSRF token from its cookie, or a new one that the worker entry sets. */
export function csrfFromCookie(request: Request): { token: string; isNew: boolean } {
  const match = /(?:^|;\s*)__csrf=([0-9a-f]{32})(?:;|$)/.exec(request.headers.get("Cookie") ?? "");
  return match ? { token: match[1]!, isNew: false } : { token: randomToken(16), isNew: true };
}

export function csrfSetCookie(token: string, secure: boolean) {
  return `${CSRF_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

/**
 * Double-submit check for browser forms: the hidden `csrf` field must equal the cookie that a
 * cross-site page can neither read nor set. Throws a 403 otherwise.
 */
export function assertCsrf(app: AppContext, request: Request, form: FormData) {
  const cookie = csrfFromCookie(request);
  const sent = form.get(CSRF_FIELD);
  if (cookie.isNew || typeof sent !== "string" || sent !== cookie.token) {
    app.logger.warn("auth.csrf_rejected", {});
    throw errorResponse(new AppError("csrf_failed", "Your form expired. Reload the page and try again."), app.requestId);
  }
}

/**
 * For JSON API calls authenticated by the session cookie: the request must come from our own
 * origin (browsers always send Origin on cross-site POSTs). Bearer-token calls need no check.
 */
export function assertSameOrigin(app: AppContext, request: Request) {
  const origin = request.headers.get("Origin");
  if (origin && origin !== new URL(request.url).origin) {
    throw errorResponse(new AppError("csrf_failed", "Cross-site requests are not allowed."), app.requestId);
  }
}

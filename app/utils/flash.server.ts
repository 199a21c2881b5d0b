import type { AppContext } from "~/context.server";

/**
 * One-time notices that survive a redirect to a clean URL ("Thank you! Your payment went
 * through"), so they show once and never stick to an address that a later form posts back to.
 * The cookie holds only a fixed notice name, scoped to the page's path, and lives a minute.
 */
export const FLASH_NOTICES = ["course_paid", "bundle_paid", "subscription_paid", "invitation_accepted", "invitation_already_member"] as const;
export type FlashNotice = (typeof FLASH_NOTICES)[number];
const COOKIE = "__flash";

export function setFlash(app: AppContext, notice: FlashNotice, path: string) {
  const secure = app.config.APP_ENV === "production" ? "; Secure" : "";
  return `${COOKIE}=${notice}; Path=${path}; Max-Age=60; HttpOnly; SameSite=Lax${secure}`;
}

/** The notice waiting for this page, and the Set-Cookie header that consumes it. */
export function takeFlash(app: AppContext, request: Request, path: string): { notice: FlashNotice | null; headers: HeadersInit } {
  const raw = (request.headers.get("Cookie") ?? "")
    .split(";")
    .map((c) => c.trim().split("="))
    .find(([name]) => name === COOKIE)?.[1];
  const notice = (FLASH_NOTICES as readonly string[]).includes(raw ?? "") ? (raw as FlashNotice) : null;
  if (!notice) return { notice: null, headers: {} };
  const secure = app.config.APP_ENV === "production" ? "; Secure" : "";
  return { notice, headers: { "Set-Cookie": `${COOKIE}=; Path=${path}; Max-Age=0; HttpOnly; SameSite=Lax${secure}` } };
}

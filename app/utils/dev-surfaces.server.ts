import type { AppConfig } from "./env.server";

/**
 * Development surfaces (the /__scheduled trigger, the Stripe emulator's API and test controls,
 * the mailbox without signing in) are for the developer's own machine. A shared staging deploy
 * runs with APP_ENV=development too, so "not production" is not enough: the request must come to
 * a local dev server (Cloudflare routes a deployed Worker by its public hostname, never
 * localhost), or carry the DEV_CONTROL_SECRET of that deploy in `X-Dev-Control-Secret`.
 */
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function isLocalDevRequest(config: Pick<AppConfig, "APP_ENV">, request: Request) {
  return config.APP_ENV !== "production" && LOCAL_HOSTS.has(new URL(request.url).hostname);
}

export function devControlAllowed(config: Pick<AppConfig, "APP_ENV" | "DEV_CONTROL_SECRET">, request: Request) {
  if (config.APP_ENV === "production") return false;
  if (isLocalDevRequest(config, request)) return true;
  const sent = request.headers.get("X-Dev-Control-Secret");
  return !!config.DEV_CONTROL_SECRET && !!sent && constantTimeEqual(sent, config.DEV_CONTROL_SECRET);
}

function constantTimeEqual(a: string, b: string) {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Paths under /_stripe/ that are the emulator's API and controls, not pages a browser is sent to. */
export const isEmulatorControlPath = (pathname: string) => /^\/_stripe\/(v1|_emulator)(\/|$)/.test(pathname);

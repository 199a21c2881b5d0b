import { createRequestHandler, type ServerBuild } from "@remix-run/cloudflare";
import * as build from "../build/server";
import type { AppContext } from "~/context.server";
import { csrfFromCookie, csrfSetCookie } from "~/modules/auth/csrf.server";
import { Logger } from "~/modules/observability/logger";
import { createDb, type Db } from "~/utils/db.server";
import { AppError, errorResponse } from "~/utils/errors";
import { getConfig } from "~/utils/env.server";
import { createId } from "~/utils/ids";
import { preflight as licensePreflight, validateLicense } from "~/modules/licensing/validate.server";
import { paymentRegistry } from "./capabilities";
import { cronJobs } from "./cron";
import { courseOgImage, OG_PATH } from "./og/course";
import { queueConsumers } from "./queues";

export { Leaderboard } from "./durable-objects/leaderboard";
export { TokenWallet } from "./durable-objects/token-wallet";

const handleRemixRequest = createRequestHandler(build as unknown as ServerBuild);
const LICENSE_VALIDATE_PATH = "/api/enterprise/licenses/validate";
/** Cross-origin, key-authenticated license endpoints never set cookies. */
const COOKIELESS_PATH = /^\/api\/enterprise\/licenses\/(validate|activate|deactivate|public-key)$/;

/** Builds the per-invocation context shared by requests, queue consumers and cron jobs. */
export function createAppContext(env: Env, ctx: ExecutionContext, requestId: string, csrfToken = ""): AppContext {
  const config = getConfig(env);
  let db: Db | undefined;
  return {
    env,
    ctx,
    config,
    // Built on first use: requests that never touch D1 (license validation from its caches) skip Drizzle's setup.
    get db() {
      return (db ??= createDb(env.DB));
    },
    logger: new Logger({ requestId }, config.LOG_LEVEL),
    payments: paymentRegistry,
    requestId,
    csrfToken,
  };
}

/**
 * A page form post (anything but GET/HEAD outside `/api/*`) whose Origin is another site, or
 * `null`. Remix's own check would answer an empty 500; we answer 403 before any action runs.
 * (`/api/*` writes have their own same-origin check in `api()`.)
 */
function isCrossSiteFormPost(request: Request, url: URL) {
  if (request.method === "GET" || request.method === "HEAD" || url.pathname.startsWith("/api/")) return false;
  const origin = request.headers.get("Origin");
  return origin !== null && origin !== url.origin;
}

/**
 * A page post whose Origin we just checked is passed on without it: Remix repeats the check
 * against the Host header and answers an empty 500 when a proxy or test client sends no Host.
 */
function withoutCheckedOrigin(request: Request, url: URL) {
  if (request.method === "GET" || request.method === "HEAD" || url.pathname.startsWith("/api/") || !request.headers.has("Origin")) return request;
  const headers = new Headers(request.headers);
  headers.delete("Origin");
  return new Request(request, { headers });
}

/** Renders the refusal as the app's error page (status and message), as a GET that runs no action. */
async function refusedPage(request: Request, url: URL, app: AppContext) {
  app.logger.warn("auth.cross_site_post_rejected", { path: url.pathname, origin: request.headers.get("Origin") });
  const headers = new Headers(request.headers);
  for (const name of ["Content-Type", "Content-Length", "Origin"]) headers.delete(name);
  const rejection = errorResponse(new AppError("csrf_failed", "This form was sent from another site, so nothing was done. Go back to Coursemint and try again."), app.requestId);
  return handleRemixRequest(new Request(new URL("/__refused", url), { method: "GET", headers }), { app, rejection });
}

export default {
  async fetch(request, env, ctx) {
    // Development only: the Stripe emulator's hosted pages (Checkout, onboarding) for the browser.
    if (env.STRIPE_EMULATOR && env.APP_ENV !== "production" && new URL(request.url).pathname.startsWith("/_stripe/")) {
      return env.STRIPE_EMULATOR.fetch(request);
    }
    const started = Date.now();
    const incoming = request.headers.get("X-Request-Id");
    const requestId = incoming && /^[\w-]{8,64}$/.test(incoming) ? incoming : createId("request");
    const csrf = csrfFromCookie(request);
    let app: AppContext;
    try {
      app = createAppContext(env, ctx, requestId, csrf.token);
    } catch (error) {
      console.error(JSON.stringify({ level: "error", event: "config.invalid", requestId, message: String(error) }));
      return new Response("Service misconfigured", { status: 500 });
    }
    const url = new URL(request.url);
    let response: Response;
    try {
      // The course share image is rendered outside Remix: workers-og's WebAssembly is bundled by wrangler.
      const og = request.method === "GET" ? OG_PATH.exec(url.pathname) : null;
      // License validation is a hot path called by customers' software: served before Remix routing.
      if (request.method === "OPTIONS" && COOKIELESS_PATH.test(url.pathname)) response = licensePreflight();
      else if (request.method === "GET" && url.pathname === LICENSE_VALIDATE_PATH) response = await validateLicense(app, request);
      else if (og) response = await courseOgImage(app, og[1]!);
      else if (isCrossSiteFormPost(request, url)) response = await refusedPage(request, url, app);
      else response = await handleRemixRequest(withoutCheckedOrigin(request, url), { app });
    } catch (error) {
      app.logger.error("request.unhandled_error", { error, path: url.pathname });
      response = new Response("Internal Server Error", { status: 500 });
    }
    response = new Response(response.body, response); // make headers mutable
    response.headers.set("X-Request-Id", requestId);
    if (csrf.isNew && !COOKIELESS_PATH.test(url.pathname)) response.headers.append("Set-Cookie", csrfSetCookie(csrf.token, app.config.APP_ENV === "production"));
    app.logger.info("request.completed", {
      method: request.method,
      path: url.pathname,
      status: response.status,
      durationMs: Date.now() - started,
    });
    return response;
  },

  async queue(batch, env, ctx) {
    const app = createAppContext(env, ctx, createId("request"));
    const consumer = queueConsumers[batch.queue];
    if (!consumer) {
      app.logger.error("queue.no_consumer", { queue: batch.queue, messages: batch.messages.length });
      batch.retryAll();
      return;
    }
    await consumer(batch, { ...app, logger: app.logger.child({ queue: batch.queue }) });
  },

  async scheduled(controller, env, ctx) {
    const app = createAppContext(env, ctx, createId("request"));
    const jobs = cronJobs[controller.cron] ?? [];
    for (const job of jobs) {
      const log = app.logger.child({ job: job.name, cron: controller.cron });
      const started = Date.now();
      try {
        await job.run({ ...app, logger: log }, controller);
        log.info("cron.job_completed", { durationMs: Date.now() - started });
      } catch (error) {
        // One failing job must not stop the others; the next tick runs it again.
        log.error("cron.job_failed", { error, durationMs: Date.now() - started });
      }
    }
  },
} satisfies ExportedHandler<Env>;

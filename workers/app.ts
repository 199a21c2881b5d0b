import { createRequestHandler, type ServerBuild } from "@remix-run/cloudflare";
import * as build from "../build/server";
import type { AppContext } from "~/context.server";
import { csrfFromCookie, csrfSetCookie } from "~/utils/csrf.server";
import { D1Meter } from "~/modules/observability/d1-meter";
import { Logger } from "~/modules/observability/logger";
import { createDb, type Db } from "~/utils/db.server";
import { AppError, errorResponse } from "~/utils/errors";
import { getConfig, type AppConfig } from "~/utils/env.server";
import { HEALTH_PATH, healthResponse } from "~/modules/observability/health.server";
import { receiveStripeWebhook } from "~/modules/payments/stripe-events.server";
import { api } from "~/utils/api.server";
import { bookmarkSetCookie, openD1Session } from "~/utils/d1-session.server";
import { createId } from "~/utils/ids";
import { preflight as licensePreflight, validateLicense } from "~/modules/licensing/validate.server";
import { paymentRegistry } from "~/capabilities.server";
import { devControlAllowed, isEmulatorControlPath } from "~/utils/dev-surfaces.server";
import { applySecurityHeaders } from "~/utils/security-headers.server";
import { cronJobs } from "./cron";
import { EDGE_CSRF_PLACEHOLDER, edgeRoute, markPrivate, serveAnonymous, viewerVariant } from "./edge-cache";
import { courseOgImage, OG_PATH } from "./og/course";
import { queueConsumers } from "./queues";

export { Leaderboard } from "./durable-objects/leaderboard";
export { TokenWallet } from "./durable-objects/token-wallet";

const handleRemixRequest = createRequestHandler(build as unknown as ServerBuild);
const LICENSE_VALIDATE_PATH = "/api/enterprise/licenses/validate";
const STRIPE_WEBHOOK_PATH = "/api/webhooks/stripe";
/** Stripe's webhook acknowledgement (verify + enqueue), answered before Remix routing; same wrapper as its route. */
const stripeWebhook = api(({ request, app }) => receiveStripeWebhook(app, request));
/** Cross-origin, key-authenticated license endpoints: CORS preflights answered here. */
const LICENSE_KEY_PATH = /^\/api\/enterprise\/licenses\/(validate|activate|deactivate|heartbeat|check-in|public-key)$/;
/** Endpoints for machines (customers' software, Stripe, health monitors) never set cookies. */
const isCookieless = (path: string) => LICENSE_KEY_PATH.test(path) || path === STRIPE_WEBHOOK_PATH || path === HEALTH_PATH;

/** Builds the per-invocation context shared by requests, queue consumers and cron jobs. */
export function createAppContext(env: Env, ctx: ExecutionContext, requestId: string, csrfToken = "", d1 = new D1Meter(env.DB), config = getConfig(env)): AppContext {
  // Every D1 round trip (Drizzle or app.env.DB) goes through the meter; other bindings are inherited.
  const meteredEnv: Env = Object.create(env, { DB: { value: d1.binding, enumerable: true } });
  let db: Db | undefined;
  return {
    env: meteredEnv,
    ctx,
    config,
    // Built on first use: requests that never touch D1 (license validation from its caches) skip Drizzle's setup.
    get db() {
      return (db ??= createDb(d1.binding));
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

const notFound = () => new Response("Not Found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" } });

/** `/__scheduled?cron=...` runs the cron jobs now (what `wrangler dev --test-scheduled` offered); local development only. */
async function scheduledTrigger(app: AppContext, request: Request, url: URL) {
  if (!devControlAllowed(app.config, request)) return notFound();
  const cron = url.searchParams.get("cron") ?? "*/15 * * * *";
  await runCronJobs(app, { cron, scheduledTime: Date.now(), noRetry() {} } as ScheduledController);
  return new Response(`Ran scheduled event (${cron})\n`, { headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
}

/** The jobs of one cron expression, each on its own: one failing job does not stop the others. */
async function runCronJobs(app: AppContext, controller: ScheduledController) {
  for (const job of cronJobs[controller.cron] ?? []) {
    const log = app.logger.child({ job: job.name, cron: controller.cron });
    const started = Date.now();
    try {
      await job.run({ ...app, logger: log }, controller);
      log.info("cron.job_completed", { durationMs: Date.now() - started });
    } catch (error) {
      // The next tick runs it again.
      log.error("cron.job_failed", { error, durationMs: Date.now() - started });
    }
  }
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    // Development only: the Stripe emulator's hosted pages (Checkout, onboarding) for the browser.
    // Its API and test controls answer only on a local dev server (or with the deploy's dev secret).
    if (env.STRIPE_EMULATOR && env.APP_ENV !== "production" && url.pathname.startsWith("/_stripe/")) {
      const allowed = !isEmulatorControlPath(url.pathname) || devControlAllowed(getConfig(env), request);
      // Pages make objects too (completing Checkout creates the first invoice): tell the emulator where
      // the browser reaches it, as every API call does, so their links follow the app's port.
      const forwarded = new Request(request);
      forwarded.headers.set("X-Emulator-Public-Base", `${getConfig(env).APP_URL}/_stripe`);
      const page = allowed ? await env.STRIPE_EMULATOR.fetch(forwarded) : notFound();
      const response = new Response(page.body, page);
      applySecurityHeaders(response.headers, request, { production: false });
      return response;
    }
    const started = Date.now();
    const incoming = request.headers.get("X-Request-Id");
    const requestId = incoming && /^[\w-]{8,64}$/.test(incoming) ? incoming : createId("request");
    let config: AppConfig;
    try {
      config = getConfig(env); // parsed once per env object (isolate)
    } catch (error) {
      console.error(JSON.stringify({ level: "error", event: "config.invalid", requestId, message: String(error) }));
      return new Response("Service misconfigured", { status: 500 });
    }
    // Machine endpoints set no cookies and render no forms: no CSRF token is read or minted for them.
    const cookieless = isCookieless(url.pathname);
    const csrf = cookieless ? { token: "", isNew: false } : csrfFromCookie(request);
    // Anonymous home, catalog, course pages, pricing and share images come from the edge cache.
    const edge = edgeRoute(request, url);
    // Reads go to the nearest D1 replica (or continue from this browser's bookmark); writes to the primary.
    const session = openD1Session(env.DB, request);
    const d1 = new D1Meter(session.db);
    // The request's context (Drizzle, logger, registry) is built on first use: edge-cache hits and
    // the health check are answered without it and without Remix (issue 16: framework overhead).
    let context: AppContext | undefined;
    const app = () => (context ??= createAppContext(env, ctx, requestId, edge?.anonymous && edge.kind === "page" ? EDGE_CSRF_PLACEHOLDER : csrf.token, d1, config));
    let bareLogger: Logger | undefined;
    const logger = () => context?.logger ?? (bareLogger ??= new Logger({ requestId }, config.LOG_LEVEL));
    let response: Response;
    let fromEdge = false;
    try {
      // The course share image is served outside Remix (drawn by the OG_RENDERER Worker).
      const og = request.method === "GET" ? OG_PATH.exec(url.pathname) : null;
      const render = () =>
        og ? courseOgImage(app(), og[1]!) : isCrossSiteFormPost(request, url) ? refusedPage(request, url, app()) : handleRemixRequest(withoutCheckedOrigin(request, url), { app: app() });
      if (request.method === "GET" && url.pathname === HEALTH_PATH) response = await healthResponse(d1.binding, config, logger);
      // License validation is a hot path called by customers' software: served before Remix routing.
      else if (request.method === "OPTIONS" && LICENSE_KEY_PATH.test(url.pathname)) response = licensePreflight();
      else if (request.method === "POST" && url.pathname === STRIPE_WEBHOOK_PATH) response = await stripeWebhook({ request, params: {}, context: { app: app() } });
      else if ((request.method === "GET" || request.method === "POST") && url.pathname === LICENSE_VALIDATE_PATH) response = await validateLicense(app(), request);
      else if (url.pathname === "/__scheduled") response = await scheduledTrigger(app(), request, url);
      else if (edge?.anonymous) {
        const deps = { db: d1.binding, versionTtlMs: config.EDGE_CACHE_VERSION_TTL_MS, waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p), warn: (event: string, fields: Record<string, unknown>) => logger().warn(event, fields) };
        response = await serveAnonymous(deps, url, edge.kind, csrf.token, render, viewerVariant(request));
        fromEdge = true; // built here: its headers are mutable
      } else response = await render();
    } catch (error) {
      logger().error("request.unhandled_error", { error, path: url.pathname });
      response = new Response("Internal Server Error", { status: 500 });
    }
    if (!fromEdge) response = new Response(response.body, response); // make headers mutable
    if (edge && !edge.anonymous) markPrivate(response);
    response.headers.set("X-Request-Id", requestId);
    const production = config.APP_ENV === "production";
    applySecurityHeaders(response.headers, request, { production }, url);
    if (!production) response.headers.append("Server-Timing", d1.serverTiming());
    if (!cookieless) {
      if (csrf.isNew) response.headers.append("Set-Cookie", csrfSetCookie(csrf.token, production));
      // Read-your-writes: the next request of this browser starts where this one's D1 session ended.
      const bookmark = bookmarkSetCookie(session, production);
      if (bookmark) response.headers.append("Set-Cookie", bookmark);
    }
    logger().info("request.completed", {
      method: request.method,
      path: url.pathname,
      status: response.status,
      edgeCache: response.headers.get("X-Edge-Cache") ?? undefined,
      d1Queries: d1.queries,
      d1Sequential: d1.sequential,
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
    await runCronJobs(createAppContext(env, ctx, createId("request")), controller);
  },
} satisfies ExportedHandler<Env>;

import { createRequestHandler, type ServerBuild } from "@remix-run/cloudflare";
import * as build from "../build/server";
import type { AppContext } from "~/context.server";
import { csrfFromCookie, csrfSetCookie } from "~/modules/auth/csrf.server";
import { D1Meter } from "~/modules/observability/d1-meter";
import { Logger } from "~/modules/observability/logger";
import { createDb } from "~/utils/db.server";
import { getConfig } from "~/utils/env.server";
import { createId } from "~/utils/ids";
import { paymentRegistry } from "./capabilities";
import { cronJobs } from "./cron";
import { EDGE_CSRF_PLACEHOLDER, edgeRoute, markPrivate, serveAnonymous } from "./edge-cache";
import { courseOgImage, OG_PATH } from "./og/course";
import { queueConsumers } from "./queues";

const handleRemixRequest = createRequestHandler(build as unknown as ServerBuild);

/** Builds the per-invocation context shared by requests, queue consumers and cron jobs. */
export function createAppContext(env: Env, ctx: ExecutionContext, requestId: string, csrfToken = "", d1 = new D1Meter(env.DB)): AppContext {
  const config = getConfig(env);
  // Every D1 round trip (Drizzle or app.env.DB) goes through the meter; other bindings are inherited.
  const meteredEnv: Env = Object.create(env, { DB: { value: d1.binding, enumerable: true } });
  return {
    env: meteredEnv,
    ctx,
    config,
    db: createDb(d1.binding),
    logger: new Logger({ requestId }, config.LOG_LEVEL),
    payments: paymentRegistry,
    requestId,
    csrfToken,
  };
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
    const url = new URL(request.url);
    // Anonymous home, catalog, course pages, pricing and share images come from the edge cache.
    const edge = edgeRoute(request, url);
    const d1 = new D1Meter(env.DB);
    let app: AppContext;
    try {
      app = createAppContext(env, ctx, requestId, edge?.anonymous && edge.kind === "page" ? EDGE_CSRF_PLACEHOLDER : csrf.token, d1);
    } catch (error) {
      console.error(JSON.stringify({ level: "error", event: "config.invalid", requestId, message: String(error) }));
      return new Response("Service misconfigured", { status: 500 });
    }
    let response: Response;
    try {
      // The course share image is served outside Remix (drawn by the OG_RENDERER Worker).
      const og = request.method === "GET" ? OG_PATH.exec(url.pathname) : null;
      const render = () => (og ? courseOgImage(app, og[1]!) : handleRemixRequest(request, { app }));
      response = edge?.anonymous ? await serveAnonymous(app, url, edge.kind, csrf.token, render) : await render();
    } catch (error) {
      app.logger.error("request.unhandled_error", { error, path: url.pathname });
      response = new Response("Internal Server Error", { status: 500 });
    }
    response = new Response(response.body, response); // make headers mutable
    if (edge && !edge.anonymous) markPrivate(response);
    response.headers.set("X-Request-Id", requestId);
    if (app.config.APP_ENV !== "production") response.headers.append("Server-Timing", d1.serverTiming());
    if (csrf.isNew) response.headers.append("Set-Cookie", csrfSetCookie(csrf.token, app.config.APP_ENV === "production"));
    app.logger.info("request.completed", {
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

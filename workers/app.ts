import { createRequestHandler, type ServerBuild } from "@remix-run/cloudflare";
import * as build from "../build/server";
import type { AppContext } from "~/context.server";
import { csrfFromCookie, csrfSetCookie } from "~/modules/auth/csrf.server";
import { Logger } from "~/modules/observability/logger";
import { createDb, type Db } from "~/utils/db.server";
import { getConfig } from "~/utils/env.server";
import { createId } from "~/utils/ids";
import { preflight as licensePreflight, validateLicense } from "~/modules/licensing/validate.server";
import { paymentRegistry } from "./capabilities";
import { cronJobs } from "./cron";
import { courseOgImage, OG_PATH } from "./og/course";
import { queueConsumers } from "./queues";

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
      else response = og ? await courseOgImage(app, og[1]!) : await handleRemixRequest(request, { app });
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

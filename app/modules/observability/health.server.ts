import type { AppConfig } from "~/utils/env.server";
import type { Logger } from "./logger";

export const HEALTH_PATH = "/api/health";

/**
 * `GET /api/health` — liveness and readiness: the app version and a real D1 round trip; 503 when
 * D1 fails. The Worker entry answers it before Remix runs (issue 16: it should cost little more
 * than a Worker making the same query); the Remix route (app/routes/api+/health.ts) serves HEAD.
 */
export async function healthResponse(db: D1Database, config: Pick<AppConfig, "APP_VERSION">, logger: () => Pick<Logger, "error">): Promise<Response> {
  const health = await checkHealth(db, config, logger);
  return Response.json(health, { status: health.status === "ok" ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}

export type Health = { status: "ok" | "degraded"; version: string; checks: { database: { ok: boolean; latencyMs: number } } };

/** The checks behind `/api/health` and the `/status` page: one D1 round trip, timed. */
export async function checkHealth(db: D1Database, config: Pick<AppConfig, "APP_VERSION">, logger: () => Pick<Logger, "error">): Promise<Health> {
  const started = Date.now();
  let database: { ok: boolean; latencyMs: number };
  try {
    await db.prepare("select 1 as ok").first();
    database = { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    logger().error("health.db_failed", { error });
    database = { ok: false, latencyMs: Date.now() - started };
  }
  return { status: database.ok ? "ok" : "degraded", version: config.APP_VERSION, checks: { database } };
}

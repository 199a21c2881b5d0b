import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { sql } from "drizzle-orm";
import { methodNotAllowed } from "~/utils/api.server";

/** Liveness and readiness: the app version and a real D1 round trip. 503 when D1 fails. */
export async function loader({ context }: LoaderFunctionArgs) {
  const { app } = context;
  const started = Date.now();
  let database: { ok: boolean; latencyMs: number };
  try {
    await app.db.get(sql`select 1 as ok`);
    database = { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    app.logger.error("health.db_failed", { error });
    database = { ok: false, latencyMs: Date.now() - started };
  }
  const ok = database.ok;
  return Response.json(
    { status: ok ? "ok" : "degraded", version: app.config.APP_VERSION, checks: { database } },
    { status: ok ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}

export const action = methodNotAllowed;

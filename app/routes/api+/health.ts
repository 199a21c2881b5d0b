import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { healthResponse } from "~/modules/observability/health.server";
import { methodNotAllowed } from "~/utils/api.server";

/**
 * Liveness and readiness: the app version and a real D1 round trip. 503 when D1 fails. The Worker
 * entry answers GET itself before Remix runs (workers/app.ts); this route serves HEAD.
 */
export async function loader({ context }: LoaderFunctionArgs) {
  const { app } = context;
  return healthResponse(app.env.DB, app.config, () => app.logger);
}

export const action = methodNotAllowed;

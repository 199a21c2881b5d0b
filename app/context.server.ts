import type { Logger } from "~/modules/observability/logger";
import type { PaymentRegistry } from "~/modules/payments/registry";
import type { Db } from "~/utils/db.server";
import type { AppConfig } from "~/utils/env.server";

/** What every loader, action, queue consumer and cron job receives. */
export type AppContext = {
  env: Env;
  ctx: ExecutionContext;
  db: Db;
  config: AppConfig;
  logger: Logger;
  /** The capabilities plugged into payments (assembled in app/capabilities.server.ts). */
  payments: PaymentRegistry;
  requestId: string;
  /** CSRF token bound to this browser (cookie `__csrf`); empty outside requests. */
  csrfToken: string;
};

declare module "@remix-run/cloudflare" {
  interface AppLoadContext {
    app: AppContext;
    /** Set by the Worker entry when it refuses a request before Remix (see workers/app.ts): the catch-all route throws it, so the refusal is shown on the error page. */
    rejection?: Response;
  }
}

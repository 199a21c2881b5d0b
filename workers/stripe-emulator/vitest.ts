// The emulator as an auxiliary worker for @cloudflare/vitest-pool-workers: bundles it with esbuild
// and returns miniflare worker options. Used by the root vitest.config.ts.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_WEBHOOK_SECRET } from "./signature";

const here = path.dirname(fileURLToPath(import.meta.url));
export const TEST_WEBHOOK_SECRET = DEFAULT_WEBHOOK_SECRET;

export async function stripeEmulatorTestWorker(bindings: Record<string, string> = {}) {
  const outfile = path.join(here, "../../node_modules/.cache/stripe-emulator/index.mjs");
  await build({
    entryPoints: [path.join(here, "index.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    external: ["cloudflare:*"],
    logLevel: "warning",
  });
  return {
    name: "stripe-emulator",
    modules: true,
    scriptPath: outfile,
    compatibilityDate: "2026-08-01",
    durableObjects: { EMULATOR: { className: "StripeEmulator", useSQLite: true } },
    bindings: {
      // Tests pull signed deliveries and post them to the app themselves (EmulatorControl.deliverWebhooks).
      WEBHOOK_MODE: "pull",
      WEBHOOK_URL: "http://localhost/api/webhooks/stripe",
      PUBLIC_BASE_URL: "http://localhost/_stripe",
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      WEBHOOK_RETRY_BASE_MS: "1000",
      // Every response and event is recorded for the conformance check (tests/emulator/conformance.setup.ts).
      CONFORMANCE_CAPTURE: "1",
      ...bindings,
    },
  };
}

import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import tsconfigPaths from "vite-tsconfig-paths";
import { defineConfig } from "vitest/config";
import { generateLicenseSigningKey } from "./scripts/license-key.mjs";
import { ogRendererTestWorker } from "./workers/og/vitest";
import { pdfRendererTestWorker } from "./workers/pdf/vitest";
import { stripeEmulatorTestWorker, TEST_WEBHOOK_SECRET } from "./workers/stripe-emulator/vitest";

// Kept apart from vite.config.ts: merging the Remix plugin into the test config breaks SSR.
// Requires `npm run build` first: workers/app.ts imports the Remix server build.
export default defineConfig({
  plugins: [
    tsconfigPaths(),
    cloudflareTest(async () => ({
      main: "./workers/app.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          APP_ENV: "test",
          SESSION_SECRET: "test-session-secret-0123456789abcdef0123",
          LOG_LEVEL: "error",
          TEST_MIGRATIONS: await readD1Migrations("./migrations"),
          STRIPE_SECRET_KEY: "sk_test_coursemint_tests",
          STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
          // A fresh Ed25519 license signing key per run (docs/licensing.md).
          LICENSE_SIGNING_KEY: await generateLicenseSigningKey(),
          // Read the edge cache version per request: tests change courses and look at once.
          EDGE_CACHE_VERSION_TTL_MS: "0",
        },
        // License rate limits (wrangler.toml [[ratelimits]]) as configured, except the per-client
        // activation limit: every test request comes from a handful of addresses. TEST_LIMIT_TWO is a
        // real Rate Limiting binding with a tiny limit that tests put in place of one of the license
        // limiters, to reach 429 in three calls.
        ratelimits: {
          LICENSE_LIMIT_CHANGE_CLIENT: { namespace_id: "1105", simple: { limit: 100_000, period: 60 } },
          TEST_LIMIT_TWO: { namespace_id: "1999", simple: { limit: 2, period: 60 } },
        },
        // Local Stripe (docs/stripe-emulator.md): an auxiliary worker bound as STRIPE_EMULATOR.
        // The share-image renderer (workers/og) is its own Worker too, bound as OG_RENDERER, and so is
        // the PDF renderer (workers/pdf), bound as PDF_RENDERER.
        serviceBindings: { STRIPE_EMULATOR: "stripe-emulator", OG_RENDERER: "coursemint-og", PDF_RENDERER: "coursemint-pdf" },
        workers: [await stripeEmulatorTestWorker(), await ogRendererTestWorker(), await pdfRendererTestWorker()],
      },
    })),
  ],
  test: {
    include: ["tests/**/*.test.ts"],
    setupFiles: ["./tests/setup.ts", "./tests/emulator/conformance.setup.ts"],
    // Generous: test-clock journeys run many Stripe round trips and crons; a slow CI machine must not fail them.
    testTimeout: 60_000,
    // One emulated Stripe account (per secret key) is shared by every file, and tests pull its
    // webhook deliveries: files run one after another so no file takes another's deliveries.
    fileParallelism: false,
    deps: { optimizer: { ssr: { enabled: true, include: ["@remix-run/cloudflare", "stripe"] } } },
  },
});

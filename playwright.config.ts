import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 8788);
// localhost, not 127.0.0.1: APP_URL (Checkout return URLs) uses it, and cookies are per host.
export const BASE_URL = `http://localhost:${PORT}`;

export default defineConfig({
  testDir: "./e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [["list"]],
  use: {
    baseURL: BASE_URL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        // wrangler dev listens on 127.0.0.1 only; never try ::1 for localhost.
        "--host-resolver-rules=MAP localhost 127.0.0.1",
      ],
    },
  },
  webServer: {
    // The real app on its embedded defaults, on fresh local state (migrated and seeded).
    command: `node scripts/start.mjs --port ${PORT} --persist-to .wrangler/e2e-state --fresh --no-build`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: process.env.E2E_SERVER_LOG ? "pipe" : "ignore",
    stderr: "pipe",
  },
});

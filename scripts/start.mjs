// One command to run Coursemint locally on embedded defaults: builds the app, applies the D1
// migrations, seeds demo data and runs the Worker with local D1, queues, Durable Objects, R2 and
// cron (wrangler dev). Options: --port N (default 8787), --persist-to DIR (default .wrangler/state),
// --fresh (wipe that state first), --no-build.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, rmSync } from "node:fs";
import { DEMO_PASSWORD, DEMO_USERS, seed } from "./seed.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const port = opt("--port", process.env.PORT ?? "8787");
const persistTo = opt("--persist-to", ".wrangler/state");
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.WRANGLER_SEND_METRICS = "false";

const run = (cmd, cmdArgs) => execFileSync(cmd, cmdArgs, { stdio: "inherit" });

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("Created .dev.vars from .dev.vars.example");
}
if (args.includes("--fresh")) rmSync(persistTo, { recursive: true, force: true });
if (!args.includes("--no-build")) run("npx", ["remix", "vite:build", "--logLevel", "warn"]);
run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
await seed(persistTo);

console.log(`
  Coursemint is starting on http://localhost:${port}
  Demo accounts (password: ${DEMO_PASSWORD}):
${DEMO_USERS.map((u) => `    ${u.role.padEnd(11)} ${u.email}`).join("\n")}
`);

const dev = spawn(
  "npx",
  // The Stripe emulator runs in the same wrangler dev session (multi-config); the app reaches it via
  // its STRIPE_EMULATOR binding and proxies the hosted pages at /_stripe/* (docs/stripe-emulator.md).
  // The share-image Worker (workers/og) too, bound as OG_RENDERER.
  ["wrangler", "dev", "-c", "wrangler.toml", "-c", "workers/stripe-emulator/wrangler.toml", "-c", "workers/og/wrangler.toml", "--port", port, "--ip", "127.0.0.1", "--persist-to", persistTo, "--test-scheduled", "--var", `APP_URL:http://localhost:${port}`, "--show-interactive-dev-session=false"],
  { stdio: "inherit" },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));

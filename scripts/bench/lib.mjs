// Shared benchmark plumbing: serve the bundled Worker straight from workerd through Miniflare's
// API (no dev-server proxy), a bare Worker on the same runtime as the baseline, and autocannon.
import autocannon from "autocannon";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { Miniflare } from "miniflare";
import { generateLicenseSigningKey } from "../license-key.mjs";

/** The same compatibility date as the deployed Worker. */
export const COMPAT_DATE = /compatibility_date = "([\d-]+)"/.exec(readFileSync("wrangler.toml", "utf8"))[1];

/**
 * Bundles the app exactly as `wrangler deploy` would, into dist-worker/app.js (`metafile`: also
 * esbuild's metafile, at that path).
 */
export function bundleApp({ build = true, metafile } = {}) {
  const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
  if (build) {
    execFileSync("npx", ["remix", "vite:build", "--logLevel", "error"], { stdio: "inherit", env });
    execFileSync("node", ["scripts/build-openapi.mjs"], { stdio: "inherit", env });
  }
  rmSync("dist-worker", { recursive: true, force: true });
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", "dist-worker", ...(metafile ? ["--metafile", metafile] : [])], { stdio: "ignore", env });
  return "dist-worker/app.js";
}

export async function startBare(port) {
  const mf = new Miniflare({
    port,
    host: "127.0.0.1",
    modules: true,
    compatibilityDate: COMPAT_DATE,
    script: `export default { async fetch(request) { await request.arrayBuffer(); return new Response(JSON.stringify({ status: "ok" }), { headers: { "Content-Type": "application/json" } }); } };`,
  });
  await mf.ready;
  return mf;
}

/**
 * A minimal Worker making `queries` D1 queries one after another: 1 is the same query as /api/health;
 * 2 is the budget of a signed-in page (the session, then the page's reads together).
 */
export async function startD1Baseline(port, { queries = 1 } = {}) {
  const mf = new Miniflare({
    port,
    host: "127.0.0.1",
    modules: true,
    compatibilityDate: COMPAT_DATE,
    d1Databases: ["DB"],
    script: `export default { async fetch(request, env) { let ok = 0; for (let i = 0; i < ${queries}; i++) ok += (await env.DB.prepare("select 1 as ok").first()).ok; return Response.json({ status: ok === ${queries} ? "ok" : "degraded" }); } };`,
  });
  await mf.ready;
  return mf;
}

/**
 * The real app Worker with a migrated in-memory D1. `extra` adds options to the app worker
 * (queues, service bindings...) and `workers` adds auxiliary workers (e.g. the Stripe emulator).
 */
export async function startApp(port, { workers = [], bindings = {}, inspectorPort, ...extra } = {}) {
  const app = {
    name: "coursemint",
    // One pre-bundled module, passed whole so Miniflare does not re-parse its dynamic imports.
    // WebAssembly modules (workers-og's share-image renderer) sit beside it in dist-worker/.
    modules: [
      { type: "ESModule", path: "app.js", contents: readFileSync("dist-worker/app.js", "utf8") },
      ...readdirSync("dist-worker")
        .filter((f) => f.endsWith(".wasm"))
        .map((f) => ({ type: "CompiledWasm", path: f, contents: readFileSync(`dist-worker/${f}`) })),
    ],
    compatibilityDate: COMPAT_DATE,
    d1Databases: ["DB"],
    bindings: {
      APP_ENV: "production",
      APP_VERSION: "bench",
      APP_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: "error",
      SESSION_SECRET: "bench-session-secret-0123456789abcdef",
      STRIPE_SECRET_KEY: "sk_test_bench",
      STRIPE_WEBHOOK_SECRET: "whsec_bench_0123456789",
      LICENSE_SIGNING_KEY: await generateLicenseSigningKey(),
      ...bindings,
    },
    // With an inspector port, the app's isolate is reachable at ws://127.0.0.1:<inspectorPort>/coursemint (CPU profiles).
    ...(inspectorPort ? { unsafeInspectorProxy: true } : {}),
    ...extra,
  };
  const mf = new Miniflare({ port, host: "127.0.0.1", ...(inspectorPort ? { inspectorPort } : {}), workers: [app, ...workers] });
  await mf.ready;
  const db = await mf.getD1Database("DB");
  for (const file of readdirSync("migrations").filter((f) => f.endsWith(".sql")).sort()) {
    for (const statement of readFileSync(`migrations/${file}`, "utf8").split("--> statement-breakpoint")) {
      if (statement.trim()) await db.prepare(statement).run();
    }
  }
  return mf;
}

/**
 * autocannon's result plus `rps`: responses per second from the start to the last response.
 * (autocannon's own average is per whole second: a fixed `amount` that finishes at 2.4 s is
 * counted over 3 buckets, and its end is only noticed at the next tick.)
 */
export function load(url, { duration = 5, connections = 32, ...rest } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let responses = 0;
    let last = started;
    const instance = autocannon({ url, duration, connections, ...rest }, (error, result) =>
      error ? reject(error) : resolve({ ...result, rps: responses / ((last - started) / 1000), seconds: (last - started) / 1000 }),
    );
    instance.on("response", () => {
      responses++;
      last = performance.now();
    });
  });
}

export function summarize(name, result) {
  return {
    name,
    rps: Math.round(result.rps),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + (result.non2xx ?? 0),
  };
}

/**
 * Markdown table of `rows` as ratios against `baseline` (and against `d1Baseline` when given, and
 * `twoQueryBaseline`: req/s and p99 against the Worker making two sequential D1 queries).
 */
export function printTable(rows, baseline, d1Baseline, twoQueryBaseline) {
  const d1Head = d1Baseline ? " req/s vs 1-query Worker |" : "";
  const twoHead = twoQueryBaseline ? " req/s vs 2-query Worker | p99 vs 2-query Worker |" : "";
  console.log(`\n| target | req/s | p50 ms | p90 ms | p99 ms | non-2xx/errors | req/s vs bare | p99 vs bare |${d1Head}${twoHead}`);
  console.log(`| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${d1Baseline ? " ---: |" : ""}${twoQueryBaseline ? " ---: | ---: |" : ""}`);
  for (const r of rows) {
    const rpsRatio = (r.rps / baseline.rps).toFixed(2);
    const p99Ratio = (r.p99 / Math.max(baseline.p99, 1)).toFixed(2);
    const d1Ratio = d1Baseline ? ` ${(r.rps / d1Baseline.rps).toFixed(2)}x |` : "";
    const twoRatio = twoQueryBaseline ? ` ${(r.rps / twoQueryBaseline.rps).toFixed(2)}x | ${(r.p99 / Math.max(twoQueryBaseline.p99, 1)).toFixed(2)}x |` : "";
    console.log(`| ${r.name} | ${r.rps} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.errors} | ${rpsRatio}x | ${p99Ratio}x |${d1Ratio}${twoRatio}`);
  }
}

/**
 * What the machine was doing while a bench ran: figures taken while other work shares the cores are
 * "measured under load" and only their ratios (baselines measured in the same run) mean anything.
 */
export async function machineLoad() {
  const os = await import("node:os");
  const [one, five] = os.loadavg();
  const cores = os.cpus().length;
  return { cores, one, five, underLoad: one > cores * 0.5, note: `load average ${one.toFixed(2)} (1 min), ${five.toFixed(2)} (5 min) on ${cores} cores` };
}

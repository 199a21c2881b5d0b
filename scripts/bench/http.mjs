// `npm run bench`: requests per second and latency percentiles of GET /api/health and of the
// home page, as ratios against a bare Worker on the same workerd, measured in the same run.
// Options: --duration S (default 5), --connections N (default 32), --no-build.
import { bundleApp, load, printTable, startApp, startBare, summarize } from "./lib.mjs";

const args = process.argv.slice(2);
const num = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const opts = { duration: num("--duration", 5), connections: num("--connections", 32) };

bundleApp({ build: !args.includes("--no-build") });
const bare = await startBare(8901);
const app = await startApp(8902);
try {
  await load("http://127.0.0.1:8902/", { duration: 1 }); // warm up both isolates
  await load("http://127.0.0.1:8901/", { duration: 1 });
  const baseline = summarize("bare Worker", await load("http://127.0.0.1:8901/", opts));
  const health = summarize("GET /api/health (D1 query)", await load("http://127.0.0.1:8902/api/health", opts));
  const home = summarize("GET / (SSR home page)", await load("http://127.0.0.1:8902/", opts));
  console.log(`\nworkerd via Miniflare, ${opts.connections} connections, ${opts.duration}s per target`);
  printTable([baseline, health, home], baseline);
} finally {
  await app.dispose();
  await bare.dispose();
}

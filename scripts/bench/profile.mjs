// `npm run bench:profile -- /account /learning`: a CPU profile of signed-in pages inside workerd.
// The app runs as in `npm run bench` with Miniflare's inspector (inspectorPort + unsafeInspectorProxy);
// the V8 Profiler is driven over the DevTools protocol (ws) while autocannon loads each path as a
// signed-in learner. Prints self time by function (and where it lives in the bundle) and writes
// the profile to profile-<page>.cpuprofile (open it in Chrome DevTools > Performance).
// Options: --duration S (default 5), --connections N (default 8), --no-build.
import { writeFileSync } from "node:fs";
import WebSocket from "ws";
import { hashPassword } from "../seed.mjs";
import { bundleApp, load, startApp } from "./lib.mjs";

const args = process.argv.slice(2);
const num = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const paths = args.filter((a, i) => a.startsWith("/") && !["--duration", "--connections"].includes(args[i - 1]));
const opts = { duration: num("--duration", 5), connections: num("--connections", 8) };
const PORT = 8942;
const INSPECTOR = 9242;
const APP = `http://127.0.0.1:${PORT}`;

bundleApp({ build: !args.includes("--no-build") });
const app = await startApp(PORT, {
  inspectorPort: INSPECTOR,
  durableObjects: { TOKEN_WALLET: { className: "TokenWallet", useSQLite: true }, LEADERBOARD: { className: "Leaderboard", useSQLite: true } },
  r2Buckets: ["UPLOADS"],
});
try {
  const db = await app.getD1Database("DB");
  const t = Date.now();
  await db
    .prepare("insert into users (id, email, name, password_hash, role, created_at, updated_at) values ('usr_prof0000000000000000000001', 'learner@bench.test', 'Profiled Learner', ?, 'student', ?, ?)")
    .bind(await hashPassword("bench-password-1"), t, t)
    .run();
  const csrf = /__csrf=([0-9a-f]{32})/.exec((await fetch(`${APP}/login`)).headers.get("set-cookie") ?? "")[1];
  const login = await fetch(`${APP}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: `__csrf=${csrf}` },
    body: new URLSearchParams({ csrf, email: "learner@bench.test", password: "bench-password-1" }),
  });
  const session = /__session=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1];
  if (!session) throw new Error(`log-in failed with ${login.status}`);
  const headers = { Cookie: `__csrf=${csrf}; __session=${session}` };

  const ws = new WebSocket(`ws://127.0.0.1:${INSPECTOR}/coursemint`);
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  let id = 0;
  const pending = new Map();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data));
    if (message.id && pending.has(message.id)) (pending.get(message.id)(message), pending.delete(message.id));
  });
  const send = (method, params = {}) => new Promise((resolve) => (pending.set(++id, resolve), ws.send(JSON.stringify({ id, method, params }))));
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });

  for (const path of paths.length ? paths : ["/account"]) {
    await load(`${APP}${path}`, { duration: 1, connections: opts.connections, headers }); // warm
    await send("Profiler.start");
    const result = await load(`${APP}${path}`, { ...opts, headers });
    const { result: { profile } } = await send("Profiler.stop");
    const file = `profile-${path.replace(/\W+/g, "_").replace(/^_|_$/g, "") || "root"}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));
    console.log(`\n${path}: ${Math.round(result.rps)} req/s, p99 ${result.latency.p99} ms (${opts.connections} connections); ${file}`);
    printSelfTime(profile);
  }
  ws.close();
} finally {
  await app.dispose();
}

/** Self time per function, top 25, as shares of the sampled time. */
function printSelfTime(profile) {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((nodeId, i) => {
    const node = byNode.get(nodeId);
    const f = node.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url ? `${f.url.split("/").pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}` : ""}`.trim();
    self.set(key, (self.get(key) ?? 0) + (deltas[i + 1] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
}

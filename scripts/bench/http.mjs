// `npm run bench`: requests per second and latency percentiles of the app's hot paths as ratios
// against two baselines on the same workerd, measured in the same run: a bare Worker, and a minimal
// Worker making the same one D1 query as /api/health. Targets: /api/health, anonymous `/`,
// `/courses`, a course page (edge-cache hit and miss), signed-in `/account`, `GET /api/courses/list`.
// Options: --duration S (default 5), --connections N (default 32), --no-build.
import { hashPassword } from "../seed.mjs";
import { courseSeedStatements } from "./listing-seed.mjs";
import { bundleApp, load, printTable, startApp, startBare, startD1Baseline, summarize } from "./lib.mjs";

const args = process.argv.slice(2);
const num = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const opts = { duration: num("--duration", 5), connections: num("--connections", 32) };
const APP = "http://127.0.0.1:8902";

bundleApp({ build: !args.includes("--no-build") });
const bare = await startBare(8901);
const d1 = await startD1Baseline(8903);
const app = await startApp(8902);
try {
  const db = await app.getD1Database("DB");
  for (const statement of courseSeedStatements(500)) await db.prepare(statement).run();
  const slug = "seed-course-1";

  // A signed-in learner: an account made here (sign-up confirms by email), signed in through the real form.
  const password = "bench-password-1";
  await db
    .prepare("insert into users (id, email, name, password_hash, role, created_at, updated_at) values (?, ?, ?, ?, 'student', ?, ?)")
    .bind("usr_bench0000000000000000000001", "bench@bench.test", "Bench Learner", await hashPassword(password), Date.now(), Date.now())
    .run();
  const loginPage = await fetch(`${APP}/login`);
  const csrf = /__csrf=([0-9a-f]{32})/.exec(loginPage.headers.get("set-cookie") ?? "")[1];
  const login = await fetch(`${APP}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: `__csrf=${csrf}` },
    body: new URLSearchParams({ csrf, email: "bench@bench.test", password }),
  });
  const session = /__session=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1];
  if (!session) throw new Error(`log-in failed with ${login.status}`);
  const signedIn = { headers: { Cookie: `__csrf=${csrf}; __session=${session}` } };

  // The anonymous targets must really be edge-cache hits (X-Edge-Cache) before they are measured.
  for (const path of ["/", "/courses", `/courses/${slug}`]) {
    await (await fetch(`${APP}${path}`)).arrayBuffer();
    const second = await fetch(`${APP}${path}`);
    await second.arrayBuffer();
    if (second.headers.get("x-edge-cache") !== "HIT") throw new Error(`${path} is not served from the edge cache (${second.headers.get("x-edge-cache")})`);
  }
  await load(`${APP}/`, { duration: 1 }); // warm up the isolates
  await load("http://127.0.0.1:8901/", { duration: 1 });
  await load("http://127.0.0.1:8903/", { duration: 1 });
  let miss = 0;
  const rows = [
    summarize("bare Worker", await load("http://127.0.0.1:8901/", opts)),
    summarize("Worker + 1 D1 query", await load("http://127.0.0.1:8903/", opts)),
    summarize("GET /api/health (1 D1 query)", await load(`${APP}/api/health`, opts)),
    summarize("GET / anonymous (edge cache hit)", await load(`${APP}/`, opts)),
    summarize("GET /courses anonymous (edge cache hit)", await load(`${APP}/courses`, opts)),
    summarize("GET /courses/:slug anonymous, cache hit", await load(`${APP}/courses/${slug}`, opts)),
    // A query parameter no page reads, new on every request: each one misses the cache and renders.
    summarize("GET /courses/:slug anonymous, cache miss", await load(APP, { ...opts, requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: `/courses/${slug}?bench=${++miss}` }) }] })),
    summarize("GET /account signed in", await load(`${APP}/account`, { ...opts, ...signedIn })),
    summarize("GET /api/courses/list", await load(`${APP}/api/courses/list`, opts)),
  ];
  console.log(`\nworkerd via Miniflare, ${opts.connections} connections, ${opts.duration}s per target`);
  printTable(rows, rows[0], rows[1]);
} finally {
  await app.dispose();
  await d1.dispose();
  await bare.dispose();
}

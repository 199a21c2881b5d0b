// `npm run bench`: requests per second and latency percentiles of the app's hot paths as ratios
// against three baselines on the same workerd, measured in the same run: a bare Worker, a minimal
// Worker making the same one D1 query as /api/health, and one making two sequential D1 queries (the
// round-trip budget of a signed-in page; issue 29's goal is ≥ 0.5x of its req/s, p99 ≤ 2x).
// Targets: /api/health, anonymous `/`, `/courses`, a course page (edge-cache hit and miss),
// `GET /api/courses/list`, and the signed-in pages: /account, /learning, /wallet, a course page, a
// module page, a receipt, /account/billing, /leaderboard (learner), /instructor, /admin.
// The machine's load average is printed with the table: on a shared machine the figures are
// "measured under load" and only the ratios compare.
// Options: --duration S (default 5), --connections N (default 32), --no-build, --only REGEX.
import { hashPassword } from "../seed.mjs";
import { courseSeedStatements } from "./listing-seed.mjs";
import { bundleApp, load, machineLoad, printTable, startApp, startBare, startD1Baseline, summarize } from "./lib.mjs";

const args = process.argv.slice(2);
const num = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const opts = { duration: num("--duration", 5), connections: num("--connections", 32) };
const APP = "http://127.0.0.1:8902";

bundleApp({ build: !args.includes("--no-build") });
const bare = await startBare(8901);
const d1 = await startD1Baseline(8903);
const d1Two = await startD1Baseline(8904, { queries: 2 });
// The bindings signed-in pages read: the token wallet and leaderboard Durable Objects, R2 (avatars, files).
const app = await startApp(8902, {
  durableObjects: { TOKEN_WALLET: { className: "TokenWallet", useSQLite: true }, LEADERBOARD: { className: "Leaderboard", useSQLite: true } },
  r2Buckets: ["UPLOADS"],
});
try {
  const db = await app.getD1Database("DB");
  for (const statement of courseSeedStatements(500)) await db.prepare(statement).run();
  const slug = "seed-course-1";

  // Signed-in users, signed in through the real form: a learner enrolled in a free seed course (one
  // module) with a paid receipt, that course's instructor, and an admin.
  const t = Date.now();
  const password = "bench-password-1";
  const hash = await hashPassword(password);
  const people = { learner: ["usr_bench0000000000000000000001", "student"], instructor: ["usr_bench0000000000000000000002", "instructor"], admin: ["usr_bench0000000000000000000003", "admin"] };
  for (const [who, [id, role]] of Object.entries(people)) {
    await db.prepare("insert into users (id, email, name, password_hash, role, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)").bind(id, `${who}@bench.test`, `Bench ${who}`, hash, role, t, t).run();
  }
  const free = { id: "crs_00000000000000000000000004", slug: "seed-course-4", moduleId: "mod_bench000000000000000000001" };
  const paymentId = "pay_bench000000000000000000001";
  await db.batch([
    db.prepare("update courses set instructor_id = ? where id = ?").bind(people.instructor[0], free.id),
    db.prepare("insert into course_modules (id, course_id, position, title, r2_key, file_name, content_type, size_bytes, created_at) values (?, ?, 1, 'Lesson 1', ?, 'lesson.pdf', 'application/pdf', 1024, ?)").bind(free.moduleId, free.id, `modules/${free.moduleId}/lesson.pdf`, t),
    db.prepare("insert into enrollments (id, course_id, user_id, status, source, amount_paid, currency, created_at, updated_at) values ('enr_bench000000000000000000001', ?, ?, 'active', 'free', 0, 'usd', ?, ?)").bind(free.id, people.learner[0], t, t),
    db.prepare("insert into payments (id, user_id, purpose, purpose_ref, description, amount, currency, status, flow, metadata, succeeded_at, created_at, updated_at) values (?, ?, 'course_purchase', 'crs_00000000000000000000000001', 'Course 1', 1900, 'usd', 'succeeded', 'checkout', '{}', ?, ?, ?)").bind(paymentId, people.learner[0], t, t, t),
  ]);
  const loginPage = await fetch(`${APP}/login`);
  const csrf = /__csrf=([0-9a-f]{32})/.exec(loginPage.headers.get("set-cookie") ?? "")[1];
  async function signIn(who) {
    const login = await fetch(`${APP}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: `__csrf=${csrf}` },
      body: new URLSearchParams({ csrf, email: `${who}@bench.test`, password }),
    });
    const session = /__session=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1];
    if (!session) throw new Error(`log-in of ${who} failed with ${login.status}`);
    return { headers: { Cookie: `__csrf=${csrf}; __session=${session}` } };
  }
  const signedIn = await signIn("learner");
  const asInstructor = await signIn("instructor");
  const asAdmin = await signIn("admin");
  const SIGNED_IN = [
    ["/account", signedIn],
    ["/learning", signedIn],
    ["/wallet", signedIn],
    [`/courses/${free.slug}`, signedIn, "course page"],
    [`/courses/${free.slug}/learn/${free.moduleId}`, signedIn, "module page"],
    [`/account/payments/${paymentId}`, signedIn, "receipt"],
    ["/account/billing", signedIn],
    ["/leaderboard", signedIn],
    ["/instructor", asInstructor],
    ["/admin", asAdmin],
  ];
  for (const [path, init] of SIGNED_IN) {
    const res = await fetch(`${APP}${path}`, { ...init, redirect: "manual" });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET ${path} signed in answered ${res.status}`);
  }

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
  await load("http://127.0.0.1:8904/", { duration: 1 });
  let miss = 0;
  const only = args.includes("--only") ? new RegExp(args[args.indexOf("--only") + 1]) : null;
  const measure = async (name, url, options) => (only && !only.test(name) ? null : summarize(name, await load(url, options)));
  const before = await machineLoad();
  const baselines = [
    summarize("bare Worker", await load("http://127.0.0.1:8901/", opts)),
    summarize("Worker + 1 D1 query", await load("http://127.0.0.1:8903/", opts)),
    summarize("Worker + 2 sequential D1 queries", await load("http://127.0.0.1:8904/", opts)),
  ];
  const rows = [
    ...baselines,
    await measure("GET /api/health (1 D1 query)", `${APP}/api/health`, opts),
    await measure("GET / anonymous (edge cache hit)", `${APP}/`, opts),
    await measure("GET /courses anonymous (edge cache hit)", `${APP}/courses`, opts),
    await measure("GET /courses/:slug anonymous, cache hit", `${APP}/courses/${slug}`, opts),
    // A query parameter no page reads, new on every request: each one misses the cache and renders.
    await measure("GET /courses/:slug anonymous, cache miss", APP, { ...opts, requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: `/courses/${slug}?bench=${++miss}` }) }] }),
    await measure("GET /api/courses/list", `${APP}/api/courses/list`, opts),
  ];
  for (const [path, init, label] of SIGNED_IN) {
    const name = `GET ${label ?? path} signed in`;
    rows.push(await measure(name, `${APP}${path}`, { ...opts, ...init }));
  }
  const after = await machineLoad();
  const loaded = before.underLoad || after.underLoad;
  console.log(`\nworkerd via Miniflare, ${opts.connections} connections, ${opts.duration}s per target; ${loaded ? "MEASURED UNDER LOAD" : "quiet machine"}: ${before.note} before, ${after.note} after`);
  printTable(rows.filter(Boolean), baselines[0], baselines[1], baselines[2]);
} finally {
  await app.dispose();
  await d1.dispose();
  await d1Two.dispose();
  await bare.dispose();
}

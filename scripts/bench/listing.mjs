// Catalog listing latency with 100,000 seeded courses: the bundled Worker served by workerd through
// Miniflare (scripts/bench/lib.mjs), seeded with batched INSERT … SELECT statements, then loaded
// with autocannon per listing query; prints latency percentiles and the ratio against a bare Worker.
// Usage: node scripts/bench/listing.mjs [--courses N] [--duration S] [--connections N] [--no-build]
import { bundleApp, load, printTable, startApp, startBare, summarize } from "./lib.mjs";
import { courseSeedStatements } from "./listing-seed.mjs";

const args = process.argv.slice(2);
const num = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const courses = num("--courses", 100_000);
const opts = { duration: num("--duration", 5), connections: num("--connections", 16) };

const QUERIES = [
  ["popular (default)", ""],
  ["newest", "sort=newest"],
  ["rating, min 4", "sort=rating&minRating=4"],
  ["price low→high, paid", "sort=price_asc&price=paid"],
  ["category + level + language", "category=data&level=beginner&language=en"],
  ["price range 10–20", "minPrice=1000&maxPrice=2000"],
  ["instructor", `instructor=usr_${"7".padStart(26, "0")}`],
  ["text search", "q=kubernetes"],
  ["text search + filters", "q=python&category=design&sort=newest"],
  ["page 2 (cursor)", "CURSOR"],
];

bundleApp({ build: !args.includes("--no-build") });
const bare = await startBare(8911);
const app = await startApp(8912, { r2Buckets: ["UPLOADS"] });
try {
  const db = await app.getD1Database("DB");
  const started = Date.now();
  for (const statement of courseSeedStatements(courses)) await db.prepare(statement).run();
  console.log(`Seeded ${courses.toLocaleString("en")} courses in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const base = "http://127.0.0.1:8912/api/courses/list";
  const first = await (await fetch(`${base}?limit=20`)).json();
  await load(`${base}?limit=20`, { duration: 1 });
  await load("http://127.0.0.1:8911/", { duration: 1 });
  const baseline = summarize("bare Worker", await load("http://127.0.0.1:8911/", opts));
  const rows = [baseline];
  for (const [name, query] of QUERIES) {
    const qs = query === "CURSOR" ? `cursor=${encodeURIComponent(first.nextCursor)}` : query;
    rows.push(summarize(`GET /api/courses/list ${name}`, await load(`${base}?limit=20&${qs}`, opts)));
  }
  console.log(`\nworkerd via Miniflare, ${courses.toLocaleString("en")} courses, ${opts.connections} connections, ${opts.duration}s per query`);
  printTable(rows, baseline);
} finally {
  await app.dispose();
  await bare.dispose();
}

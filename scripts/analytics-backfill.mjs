// Rebuilds the revenue rollups (revenue_daily, docs/analytics.md) from the payments, refunds,
// disputes and earnings, one month per statement pair so no statement runs long, with the same SQL
// the Worker uses (app/modules/analytics/revenue-sql.ts). Safe to run at any time and again.
// Usage: npm run analytics:backfill [-- --remote] [-- --persist-to DIR] [-- --from 2025-01-01]
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { revenueRebuildStatements } from "../app/modules/analytics/revenue-sql.ts";

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const remote = process.argv.includes("--remote");
const persistTo = arg("--persist-to");
const target = remote ? ["--remote"] : ["--local", ...(persistTo ? ["--persist-to", persistTo] : [])];

function query(sql) {
  const out = execFileSync("npx", ["wrangler", "d1", "execute", "DB", ...target, "--json", "--command", sql], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(out)[0]?.results ?? [];
}

const [first] = query("select min(t) as t from (select min(succeeded_at) as t from payments union all select min(created_at) from refunds union all select min(closed_at) from disputes)");
const start = arg("--from") ? Date.parse(`${arg("--from")}T00:00:00Z`) : first?.t;
if (!start) {
  console.log("No payments yet: nothing to backfill.");
  process.exit(0);
}
const at = Date.now();
const statements = [];
const cursor = new Date(start);
let from = Date.UTC(cursor.getUTCFullYear(), cursor.getUTCMonth(), 1);
let months = 0;
while (from <= at) {
  const next = new Date(from);
  const to = Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1);
  statements.push(...revenueRebuildStatements(from, to, at));
  from = to;
  months++;
}
mkdirSync(".wrangler/tmp", { recursive: true });
const file = ".wrangler/tmp/analytics-backfill.sql";
writeFileSync(file, statements.map((s) => `${s};`).join("\n"));
execFileSync("npx", ["wrangler", "d1", "execute", "DB", ...target, "--file", file], { stdio: ["ignore", "inherit", "inherit"] });
const [rows] = query("select count(*) as n, coalesce(sum(gross), 0) as gross from revenue_daily");
console.log(`Rebuilt ${months} month(s) of revenue rollups: ${rows.n} rows.`);

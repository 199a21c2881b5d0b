// `npm run bench:tokens`: reward tokens on workerd, in one run.
//  1. Award throughput through the TokenWallet Durable Object (idempotency check, ledger entry,
//     balance, outbox alarm that projects to D1 and feeds the leaderboards) against a bare Durable
//     Object RPC call on the same runtime: one wallet (calls serialized) and 32 wallets in parallel.
//  2. Leaderboard top-100 and rank lookups on a board with one million members (p50/p99).
// Calls are made from a harness Worker inside workerd (RPC to the app's Durable Objects), so the
// figures are the Durable Objects' own, not HTTP's. Options: --members N (default 1000000),
// --awards N (default 4000), --no-build.
import { bundleApp, startApp } from "./lib.mjs";

const args = process.argv.slice(2);
const num = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const MEMBERS = num("--members", 1_000_000);
const AWARDS = num("--awards", 4000);
const WALLETS = 32;

const harness = `
import { DurableObject } from "cloudflare:workers";
export class Bare extends DurableObject {
  n = 0;
  add(userId, amount) { this.n += amount; return { ok: true, balance: this.n }; }
}
/** The smallest durable call: one SQLite row updated (the storage commit every ledger write pays). */
export class BareSql extends DurableObject {
  constructor(ctx, env) { super(ctx, env); ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS c (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"); }
  add(userId, amount) {
    const n = this.ctx.storage.sql.exec("INSERT INTO c (id, n) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET n = n + excluded.n RETURNING n", amount).one().n;
    return { ok: true, balance: n };
  }
}
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
async function pool(total, concurrency, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < total) await fn(next++); }));
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const q = (k, d) => Number(url.searchParams.get(k) ?? d);
    if (url.pathname === "/calls") {
      const kind = url.searchParams.get("kind"), total = q("n", 1000), wallets = q("wallets", 1), concurrency = q("concurrency", wallets), run = url.searchParams.get("run");
      const stubs = Array.from({ length: wallets }, (_, i) => {
        const ns = kind === "bare" ? env.BARE : kind === "bare-sql" ? env.BARE_SQL : env.WALLET;
        return ns.get(ns.idFromName("usr_bench" + String(i).padStart(21, "0")));
      });
      const started = Date.now();
      let failed = 0;
      await pool(total, concurrency, async (i) => {
        const userId = "usr_bench" + String(i % wallets).padStart(21, "0");
        const stub = stubs[i % wallets];
        const r = kind !== "wallet"
          ? await stub.add(userId, 1)
          : await stub.credit({ userId, at: Date.now(), type: "award", amount: 1 + (i % 50), reason: "Bench award", sourceKey: run + ":" + i, ref: null });
        if (!r.ok) failed++;
      });
      return Response.json({ ms: Date.now() - started, calls: total, failed });
    }
    if (url.pathname === "/seed") {
      const board = env.BOARD.get(env.BOARD.idFromName("bench"));
      const from = q("from", 0), count = q("count", 5000);
      const updates = [];
      for (let i = from; i < from + count; i++) {
        // A spread of scores with many ties, as real boards have.
        const score = (i * 7919) % 100000;
        updates.push({ userId: "u" + i, hidden: false, items: [{ seq: 1, delta: score, at: i % 86400000 }] });
      }
      await board.apply(updates);
      return Response.json({ ok: true });
    }
    if (url.pathname === "/lookups") {
      const board = env.BOARD.get(env.BOARD.idFromName("bench"));
      const n = q("n", 300), members = q("members", 1000);
      const top = [], rank = [];
      let checksum = 0;
      for (let i = 0; i < n; i++) {
        let t = performance.now();
        const rows = await board.top(100);
        top.push(performance.now() - t);
        t = performance.now();
        const r = await board.rankOf("u" + Math.floor(Math.random() * members));
        rank.push(performance.now() - t);
        checksum += rows.length + (r ? 1 : 0);
      }
      top.sort((a, b) => a - b); rank.sort((a, b) => a - b);
      return Response.json({ size: await board.size(), checksum, top: { p50: pct(top, 0.5), p99: pct(top, 0.99) }, rank: { p50: pct(rank, 0.5), p99: pct(rank, 0.99) } });
    }
    return new Response("not found", { status: 404 });
  },
};`;

bundleApp({ build: !args.includes("--no-build") });
const PORT = 8931;
const app = await startApp(PORT, {
  durableObjects: { TOKEN_WALLET: { className: "TokenWallet", useSQLite: true }, LEADERBOARD: { className: "Leaderboard", useSQLite: true } },
  workers: [
    {
      name: "harness",
      modules: true,
      script: harness,
      compatibilityDate: "2026-07-01",
      durableObjects: {
        BARE: { className: "Bare", useSQLite: true },
        BARE_SQL: { className: "BareSql", useSQLite: true },
        WALLET: { className: "TokenWallet", scriptName: "coursemint", useSQLite: true },
        BOARD: { className: "Leaderboard", scriptName: "coursemint", useSQLite: true },
      },
    },
  ],
});
const call = async (path) => {
  const worker = await app.getWorker("harness");
  const res = await worker.fetch(`http://harness${path}`);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
};
try {
  // The projection writes to D1 with a foreign key to users: the bench wallets' users exist.
  const db = await app.getD1Database("DB");
  for (let i = 0; i < WALLETS; i++) {
    const id = "usr_bench" + String(i).padStart(21, "0");
    await db.prepare("insert into users (id, email, name, password_hash, role, created_at, updated_at) values (?, ?, 'Bench', 'x', 'student', 0, 0)").bind(id, `${id}@bench.test`).run();
  }

  const rows = [];
  const SCENARIOS = [
    { wallets: 1, concurrency: 1, label: "1 wallet, one call at a time" },
    { wallets: 1, concurrency: 32, label: "1 wallet, 32 concurrent calls" },
    { wallets: WALLETS, concurrency: WALLETS, label: `${WALLETS} wallets in parallel` },
  ];
  for (const [k, sc] of SCENARIOS.entries()) {
    const opts = `wallets=${sc.wallets}&concurrency=${sc.concurrency}`;
    await call(`/calls?kind=bare&n=200&${opts}`); // warm up
    await call(`/calls?kind=bare-sql&n=200&${opts}`);
    await call(`/calls?kind=wallet&n=200&${opts}&run=warm${k}`);
    const bare = await call(`/calls?kind=bare&n=${AWARDS}&${opts}`);
    const bareSql = await call(`/calls?kind=bare-sql&n=${AWARDS}&${opts}`);
    const wallet = await call(`/calls?kind=wallet&n=${AWARDS}&${opts}&run=r${k}`);
    const rate = (r) => (r.calls / Math.max(r.ms, 1)) * 1000;
    rows.push({ ...sc, bareRate: rate(bare), bareSqlRate: rate(bareSql), walletRate: rate(wallet), failed: wallet.failed });
  }
  // Let the outbox alarms drain, then check the projection holds every award once.
  let projected;
  for (let waited = 0; waited < 60_000; waited += 500) {
    projected = await db.prepare("select count(*) as n from token_transactions").first();
    if (projected.n >= SCENARIOS.length * (AWARDS + 200)) break;
    await new Promise((r) => setTimeout(r, 500));
  }

  console.log(`\nAward throughput, ${AWARDS} awards per target (workerd via Miniflare, calls from a harness Worker)\n`);
  console.log("| target | wallet awards/s | bare DO calls/s (no storage) | bare DO calls/s (one SQLite write) | wallet vs bare | wallet vs bare write |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    r.ratio = r.walletRate / r.bareRate;
    r.ratioSql = r.walletRate / r.bareSqlRate;
    console.log(`| ${r.label} | ${Math.round(r.walletRate)} | ${Math.round(r.bareRate)} | ${Math.round(r.bareSqlRate)} | ${r.ratio.toFixed(2)}x | ${r.ratioSql.toFixed(2)}x |`);
  }
  console.log(`\nprojected to D1: ${projected.n} of ${SCENARIOS.length * (AWARDS + 200)} entries; refused awards: ${rows.reduce((s, r) => s + r.failed, 0)}`);

  const seeded = Date.now();
  const BATCH = 5000;
  for (let from = 0; from < MEMBERS; from += BATCH) await call(`/seed?from=${from}&count=${Math.min(BATCH, MEMBERS - from)}`);
  const seedSeconds = (Date.now() - seeded) / 1000;
  const lookups = await call(`/lookups?n=300&members=${MEMBERS}`);
  console.log(`\nLeaderboard with ${lookups.size.toLocaleString("en-US")} members (seeded in ${seedSeconds.toFixed(1)} s, ${Math.round(MEMBERS / seedSeconds)} members/s in batches of ${BATCH})\n`);
  console.log("| lookup | p50 ms | p99 ms | goal |");
  console.log("| --- | ---: | ---: | --- |");
  console.log(`| top 100 | ${lookups.top.p50.toFixed(2)} | ${lookups.top.p99.toFixed(2)} | p99 < 20 ms |`);
  console.log(`| one member's rank | ${lookups.rank.p50.toFixed(2)} | ${lookups.rank.p99.toFixed(2)} | p99 < 20 ms |`);
  console.log(`
Every award is a durable SQLite commit in the wallet (the balance must survive a crash), and that
commit is what a call costs here: compare the wallet with a bare Durable Object that makes one
SQLite write (goal: at least 0.5x). Against a call that stores nothing the ratio shows the commit
latency of this machine's disk, not the wallet's own work.`);
  const ok = rows.every((r) => r.ratioSql >= 0.5 && r.failed === 0) && lookups.top.p99 < 20 && lookups.rank.p99 < 20 && lookups.size === MEMBERS && projected.n >= SCENARIOS.length * (AWARDS + 200);
  console.log(ok ? "\nAll goals met." : "\nA goal was missed (see above).");
  if (!ok) process.exitCode = 1;
} finally {
  await app.dispose();
}

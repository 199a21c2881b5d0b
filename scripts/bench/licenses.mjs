// `npm run bench:licenses`: license validation throughput and latency (p50, p99) for valid and for
// forged keys, against a bare Worker on the same workerd, measured in the same run. The keys are
// signed here in Node with the documented format (docs/licensing.md#key-format), which also checks
// that an independent implementation produces keys the Worker accepts.
// Throughput is measured with 32 connections; latency percentiles also with one connection at a
// time, which is the service time of a call without queueing behind others (on a shared 2-core
// machine the 32-connection percentiles are mostly queueing, for the bare Worker too).
// Options: --licenses N (default 100), --duration S (default 5), --connections N (default 32), --no-build.
import { webcrypto } from "node:crypto";
import { generateLicenseSigningKey } from "../license-key.mjs";
import { bundleApp, load, printTable, startApp, startBare, summarize } from "./lib.mjs";

const args = process.argv.slice(2);
const num = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const LICENSES = num("--licenses", 100);
const opts = { duration: num("--duration", 5), connections: num("--connections", 32) };
const GOAL_RATIO = 0.7;
const GOAL_P99_MS = 10;

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const fakeId = (prefix, i) => `${prefix}_${String(i).padStart(26, "0").split("").map((c) => ALPHABET[Number(c)]).join("")}`;

async function signer(pkcs8Base64) {
  const privateKey = await webcrypto.subtle.importKey("pkcs8", Buffer.from(pkcs8Base64, "base64"), { name: "Ed25519" }, true, ["sign"]);
  const { x } = await webcrypto.subtle.exportKey("jwk", privateKey);
  const kid = b64url(await webcrypto.subtle.digest("SHA-256", Buffer.from(x, "base64url"))).slice(0, 16);
  return async (payload) => {
    const body = `CMLK1.${b64url(Buffer.from(JSON.stringify({ v: 1, kid, ...payload })))}`;
    const signature = await webcrypto.subtle.sign({ name: "Ed25519" }, privateKey, Buffer.from(body));
    return `${body}.${b64url(new Uint8Array(signature))}`;
  };
}

/** autocannon requests that cycle through `paths`. */
const cycle = (paths) => {
  let i = 0;
  return [{ method: "GET", setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }];
};

bundleApp({ build: !args.includes("--no-build") });
const signingKey = await generateLicenseSigningKey();
const bare = await startBare(8921);
console.log(`load average before the run: ${(await import("node:os")).loadavg().map((n) => n.toFixed(1)).join(" ")} on ${(await import("node:os")).cpus().length} cores`);
// The license rate limits are Rate Limiting bindings (wrangler.toml [[ratelimits]]): here with limits
// far above the load, so the bench measures validation with its three limit checks (429s are tested in workerd).
const ratelimits = Object.fromEntries(
  ["VALIDATE_CLIENT", "VALIDATE_LICENSE", "VALIDATE_MACHINE", "CHANGE_LICENSE", "CHANGE_CLIENT", "HEARTBEAT_MACHINE"].map((name, i) => [
    `LICENSE_LIMIT_${name}`,
    { namespace_id: String(1101 + i), simple: { limit: 1_000_000_000, period: 60 } },
  ]),
);
const app = await startApp(8922, { bindings: { LICENSE_SIGNING_KEY: signingKey }, ratelimits });
try {
  const db = await app.getD1Database("DB");
  const t = Date.now();
  await db.prepare("insert into users (id, email, name, password_hash, role, created_at, updated_at) values ('usr_bench', 'bench@example.test', 'Bench', 'x', 'enterprise', ?, ?)").bind(t, t).run();
  const sign = await signer(signingKey);
  const valid = [];
  const forged = [];
  const statements = [];
  for (let i = 0; i < LICENSES; i++) {
    const org = fakeId("org", i);
    const lic = fakeId("lic", i);
    statements.push(
      db.prepare("insert into organizations (id, name, owner_id, created_at, updated_at) values (?, ?, 'usr_bench', ?, ?)").bind(org, `Org ${i}`, t, t),
      db
        .prepare("insert into licenses (id, organization_id, tier, status, source, features, max_seats, max_machines, metadata, starts_at, expires_at, created_at, updated_at) values (?, ?, 'enterprise', 'active', 'manual', '[\"white_label\"]', 25, 100, '{}', ?, ?, ?, ?)")
        .bind(lic, org, t, t + 365 * 86_400_000, t, t),
    );
    const key = await sign({ licenseId: lic, organizationId: org, tier: "enterprise", features: ["white_label"], maxSeats: 25, maxMachines: 100, issuedAt: t, expiresAt: t + 365 * 86_400_000 });
    valid.push(`/api/enterprise/licenses/validate?key=${key}`);
    // Same shape, signature of other bytes: fails verification, never reaches the cache or D1.
    const [p, body, sig] = key.split(".");
    forged.push(`/api/enterprise/licenses/validate?key=${p}.${body}.${sig.slice(0, 10)}${sig[10] === "A" ? "B" : "A"}${sig.slice(11)}`);
  }
  for (let i = 0; i < statements.length; i += 100) await db.batch(statements.slice(i, i + 100));

  // Sanity: the Worker accepts our keys and rejects the forged ones.
  const check = async (path) => (await (await fetch(`http://127.0.0.1:8922${path}`)).json()).code;
  const [okCode, badCode] = [await check(valid[0]), await check(forged[0])];
  if (okCode !== "VALID" || badCode !== "INVALID_KEY") throw new Error(`unexpected codes: valid → ${okCode}, forged → ${badCode}`);

  // Warm up: isolates, verified-key and status caches (the first call per key reads D1 once).
  await load("http://127.0.0.1:8921/", { duration: 1 });
  await load("http://127.0.0.1:8922", { duration: 2, requests: cycle(valid) });

  const run = async (connections) => {
    const o = { ...opts, connections };
    const baseline = summarize("bare Worker", await load("http://127.0.0.1:8921/", o));
    // Re-warm: status snapshots older than the 10 s bound are re-read once per key (a D1 round trip).
    await load("http://127.0.0.1:8922", { duration: 1, connections: 4, requests: cycle(valid) });
    const validRun = summarize(`GET validate, valid keys (${LICENSES} licenses)`, await load("http://127.0.0.1:8922", { ...o, requests: cycle(valid) }));
    const forgedRun = summarize("GET validate, forged keys", await load("http://127.0.0.1:8922", { ...o, requests: cycle(forged) }));
    console.log(`\nworkerd via Miniflare, ${connections} connection${connections === 1 ? "" : "s"}, ${opts.duration}s per target`);
    printTable([baseline, validRun, forgedRun], baseline);
    return { baseline, validRun, forgedRun };
  };
  const loaded = await run(opts.connections);
  const single = await run(1);
  let failed = false;
  for (const key of ["validRun", "forgedRun"]) {
    const r = loaded[key];
    const ratio = r.rps / loaded.baseline.rps;
    const p99 = single[key].p99;
    const ok = ratio >= GOAL_RATIO && p99 < GOAL_P99_MS && r.errors === 0;
    failed ||= !ok;
    console.log(`${ok ? "meets" : "MISSES"} goals: ${r.name}: ${ratio.toFixed(2)}x of bare at ${opts.connections} connections (goal ≥ ${GOAL_RATIO}), p99 ${p99} ms at 1 connection (goal < ${GOAL_P99_MS} ms), ${r.errors} errors`);
  }
  process.exitCode = failed ? 1 : 0;
} finally {
  await app.dispose();
  await bare.dispose();
}

// `npm run bench:webhooks`: Stripe webhook acknowledgement latency (p50, p99) and sustained events
// per second through signature verification, the STRIPE_EVENTS queue and the consumer (which stores
// each event once in D1 and deduplicates), against a bare Worker
// on the same workerd in the same run. Checks that no event is lost or processed twice, including
// when every event is delivered twice. Options: --events N (default 2000), --connections N, --batch N
// (consumer batch size, default 10), --settle-seconds S (default 300), --no-build.
import { createHmac } from "node:crypto";
import { bundleApp, load, printTable, startApp, startBare, summarize } from "./lib.mjs";

const args = process.argv.slice(2);
const num = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const EVENTS = num("--events", 2000);
const CONNECTIONS = num("--connections", 32);
/** Consumer batch size (wrangler.toml configures 10); larger batches run more payments in parallel. */
const BATCH = num("--batch", 10);
/** How long to wait for the queue to settle before counting what is missing as lost. */
const SETTLE_MS = num("--settle-seconds", 300) * 1000;
const SECRET = "whsec_bench_0123456789";

const CREATED = Math.floor(Date.now() / 1000) - 3600;

/** Two events per PaymentIntent (i and i^1), the second created a second later than the first. */
function signedEvent(i) {
  const body = JSON.stringify({
    id: `evt_bench${String(i).padStart(8, "0")}`,
    object: "event",
    api_version: "2025-01-27",
    created: CREATED + (i % 2),
    livemode: false,
    type: "payment_intent.succeeded",
    // No payment of ours carries this intent: the consumer looks it up and acknowledges it.
    data: { object: { id: `pi_bench${Math.floor(i / 2)}`, object: "payment_intent", amount: 1000, currency: "usd", metadata: {} } },
  });
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", SECRET).update(`${t}.${body}`).digest("hex");
  return { body, headers: { "content-type": "application/json", "stripe-signature": `t=${t},v1=${v1}` } };
}

/** autocannon request list that walks `items` once each (then stops at `amount`). */
function walk(items) {
  let i = 0;
  return [{ method: "POST", path: "/api/webhooks/stripe", setupRequest: (req) => ({ ...req, ...items[i++ % items.length] }) }];
}

bundleApp({ build: !args.includes("--no-build") });
const bare = await startBare(8911);
const app = await startApp(8912, {
  queueProducers: { STRIPE_EVENTS: { queueName: "coursemint-stripe-events" }, EMAILS: { queueName: "coursemint-emails" } },
  queueConsumers: { "coursemint-stripe-events": { maxBatchSize: BATCH, maxBatchTimeout: 0.05, maxRetries: 5, deadLetterQueue: "coursemint-stripe-events-dlq" } },
});
try {
  const db = await app.getD1Database("DB");
  const events = Array.from({ length: EVENTS }, (_, i) => signedEvent(i));
  // Each event twice, as Stripe may deliver it: first out of order (each payment's later event
  // first), then every event again in order.
  const outOfOrder = events.map((_, i) => events[i ^ 1] ?? events[i]);
  const deliveries = [...outOfOrder, ...events];

  const baseline = summarize("bare Worker (POST)", await load("http://127.0.0.1:8911/", { duration: 4, connections: CONNECTIONS, method: "POST", body: events[0].body }));

  const started = Date.now();
  const acked = await load("http://127.0.0.1:8912/", { amount: deliveries.length, connections: CONNECTIONS, requests: walk(deliveries) });
  const ackDoneMs = Date.now() - started;
  let settled;
  for (;;) {
    settled = await db.prepare("select count(*) as n, sum(attempts) as attempts, sum(status not in ('processed','ignored')) as open from stripe_events").first();
    if (settled.n >= EVENTS && settled.open === 0) break;
    if (Date.now() - started > SETTLE_MS) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const allDoneMs = Date.now() - started;
  const webhook = summarize("POST /api/webhooks/stripe (verify + enqueue)", acked);
  console.log(`\nworkerd via Miniflare, ${CONNECTIONS} connections, ${EVENTS} distinct events (two per payment) each delivered twice, first out of order, consumer batches of ${BATCH}`);
  printTable([baseline, webhook], baseline);
  console.log(`
acknowledged ${acked.requests.total} deliveries in ${(ackDoneMs / 1000).toFixed(2)} s (${webhook.rps} req/s), non-2xx: ${acked.non2xx}
events stored: ${settled.n} of ${EVENTS} (lost: ${Math.max(0, EVENTS - settled.n)}), still open: ${settled.open}
consumer runs: ${settled.attempts} for ${settled.n} events (processed twice: ${settled.attempts - settled.n})
sustained through the queue: ${Math.round((EVENTS / allDoneMs) * 1000)} events/s (all settled after ${(allDoneMs / 1000).toFixed(2)} s)`);
  const goal = (ok) => (ok ? "met" : "NOT met");
  const eventsPerSecond = (EVENTS / allDoneMs) * 1000;
  console.log(`goals (issue 16): acknowledgement >= 0.5x bare: ${(webhook.rps / baseline.rps).toFixed(2)}x, ${goal(webhook.rps >= 0.5 * baseline.rps)}; ` +
    `p99 < 50 ms: ${webhook.p99} ms, ${goal(webhook.p99 < 50)}; consumer >= 500 events/s: ${Math.round(eventsPerSecond)}, ${goal(eventsPerSecond >= 500)}; ` +
    `lost 0 and doubled 0: ${goal(settled.n === EVENTS && settled.attempts === settled.n)}`);
  if (settled.n !== EVENTS || settled.open !== 0 || settled.attempts !== settled.n || acked.non2xx > 0) process.exitCode = 1;
} finally {
  await app.dispose();
  await bare.dispose();
}

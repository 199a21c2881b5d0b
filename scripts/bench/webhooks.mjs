// `npm run bench:webhooks`, measurements in one run on the same workerd:
// 1. Acknowledgement: signed events POSTed to /api/webhooks/stripe (verify + enqueue), against a
//    bare Worker answering the same POSTs and a Worker that only puts the body on a local queue
//    (what Miniflare's queue binding costs). First the path on its own (its queue drained by a
//    consumer that only acknowledges, as the enqueue-only Worker's is), then with the real
//    consumer beside it, each event delivered twice (first out of order); p50/p99.
// 2. Consumer: another set of verified events put on the STRIPE_EVENTS queue as fast as a producer
//    can (each twice, first out of order), timed until every one is settled in D1: events/s.
// Both check that no event is lost and none is handled twice. Options: --events N (default 2000,
// per measurement), --connections N, --batch N (consumer batch size, default wrangler.toml's),
// --settle-seconds S (default 300), --no-build.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { Miniflare } from "miniflare";
import { bundleApp, COMPAT_DATE, load, printTable, startApp, startBare, summarize } from "./lib.mjs";

const args = process.argv.slice(2);
const num = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const EVENTS = num("--events", 2000);
const CONNECTIONS = num("--connections", 32);
/** Consumer batch size: as wrangler.toml configures the STRIPE_EVENTS consumer, unless given. */
const CONFIGURED_BATCH = Number(/queue = "coursemint-stripe-events"\nmax_batch_size = (\d+)/.exec(readFileSync("wrangler.toml", "utf8"))?.[1] ?? 10);
const BATCH = num("--batch", CONFIGURED_BATCH);
/** How long to wait for the queue to settle before counting what is missing as lost. */
const SETTLE_MS = num("--settle-seconds", 300) * 1000;
const SECRET = "whsec_bench_0123456789";

const CREATED = Math.floor(Date.now() / 1000) - 3600;

/** Two events per PaymentIntent (i and i^1), the second created a second later than the first. */
function benchEvent(set, i) {
  return {
    id: `evt_${set}${String(i).padStart(8, "0")}`,
    object: "event",
    api_version: "2025-01-27",
    created: CREATED + (i % 2),
    livemode: false,
    type: "payment_intent.succeeded",
    // No payment of ours carries this intent: the consumer looks it up and acknowledges it.
    data: { object: { id: `pi_${set}${Math.floor(i / 2)}`, object: "payment_intent", amount: 1000, currency: "usd", metadata: {} } },
  };
}

function signedEvent(i) {
  const body = JSON.stringify(benchEvent("ack", i));
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", SECRET).update(`${t}.${body}`).digest("hex");
  return { body, headers: { "content-type": "application/json", "stripe-signature": `t=${t},v1=${v1}` } };
}

/** autocannon request list that walks `items` once each (then stops at `amount`). */
function walk(items) {
  let i = 0;
  return [{ method: "POST", path: "/api/webhooks/stripe", setupRequest: (req) => ({ ...req, ...items[i++ % items.length] }) }];
}

/** Each of `items` twice, as Stripe may deliver it: first out of order (each payment's later event first), then in order. */
const twice = (items) => [...items.map((_, i) => items[i ^ 1] ?? items[i]), ...items];

/** Waits until `EVENTS` events of `set` are stored and none is open; what is missing by then is lost. */
async function settle(db, set, started) {
  for (;;) {
    const row = await db
      .prepare("select count(*) as n, coalesce(sum(attempts), 0) as attempts, coalesce(sum(status not in ('processed','ignored')), 0) as open from stripe_events where id like ?")
      .bind(`evt_${set}%`)
      .first();
    if ((row.n >= EVENTS && row.open === 0) || Date.now() - started > SETTLE_MS) return { ...row, ms: Date.now() - started };
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A producer beside the app on the same queue: puts given messages on it, 100 per sendBatch (the limit). */
const PRODUCER = `export default { async fetch(request, env) {
  const bodies = await request.json();
  for (let i = 0; i < bodies.length; i += 100) await env.STRIPE_EVENTS.sendBatch(bodies.slice(i, i + 100).map((body) => ({ body, contentType: "json" })));
  return new Response(String(bodies.length));
} };`;

/** A consumer that only acknowledges, for queues whose messages are not the measurement. */
const DRAIN = `async queue(batch) { batch.ackAll(); }`;
const DRAIN_CONSUMER = { maxBatchSize: 100, maxBatchTimeout: 0.05 };

/** The enqueue floor: a Worker whose whole work is one send to a local queue (drained). */
async function startEnqueueOnly(port) {
  const mf = new Miniflare({
    port,
    host: "127.0.0.1",
    modules: true,
    compatibilityDate: COMPAT_DATE,
    queueProducers: { QUEUE: { queueName: "enqueue-only" } },
    queueConsumers: { "enqueue-only": DRAIN_CONSUMER },
    script: `export default {
      async fetch(request, env) { await env.QUEUE.send(await request.json(), { contentType: "json" }); return Response.json({ received: true }); },
      ${DRAIN}
    };`,
  });
  await mf.ready;
  return mf;
}

const producers = { STRIPE_EVENTS: { queueName: "coursemint-stripe-events" }, EMAILS: { queueName: "coursemint-emails" } };

bundleApp({ build: !args.includes("--no-build") });
const bare = await startBare(8911);
const enqueueOnly = await startEnqueueOnly(8913);
// The acknowledgement on its own: the app's queue drained like the enqueue-only Worker's.
const ackOnly = await startApp(8914, {
  queueProducers: producers,
  workers: [{ name: "drain", modules: true, script: `export default { ${DRAIN} };`, queueConsumers: { "coursemint-stripe-events": DRAIN_CONSUMER } }],
});
const app = await startApp(8912, {
  queueProducers: producers,
  queueConsumers: { "coursemint-stripe-events": { maxBatchSize: BATCH, maxBatchTimeout: 0.05, maxRetries: 5, deadLetterQueue: "coursemint-stripe-events-dlq" } },
  workers: [{ name: "producer", modules: true, script: PRODUCER, queueProducers: { STRIPE_EVENTS: { queueName: "coursemint-stripe-events" } } }],
});
try {
  const db = await app.getD1Database("DB");
  const events = Array.from({ length: EVENTS }, (_, i) => signedEvent(i));
  const deliveries = twice(events);

  const post = { duration: 4, connections: CONNECTIONS, method: "POST", body: events[0].body, headers: { "content-type": "application/json" } };
  const baseline = summarize("bare Worker (POST)", await load("http://127.0.0.1:8911/", post));
  const floor = summarize("Worker that only enqueues the body", await load("http://127.0.0.1:8913/", post));

  // 1. Acknowledgement: the path on its own, then with the real consumer beside it (sharing this machine's cores).
  const webhook = summarize("POST /api/webhooks/stripe (verify + enqueue)", await load("http://127.0.0.1:8914/", { duration: 4, connections: CONNECTIONS, requests: walk(deliveries) }));
  const ackStarted = Date.now();
  const acked = await load("http://127.0.0.1:8912/", { amount: deliveries.length, connections: CONNECTIONS, requests: walk(deliveries) });
  const ackSettled = await settle(db, "ack", ackStarted);
  const withConsumer = summarize("… with the consumer storing each event beside it", acked);

  // 2. Consumer throughput: the queue filled faster than the consumer drains it.
  const queued = twice(Array.from({ length: EVENTS }, (_, i) => benchEvent("queue", i))).map((event) => ({ eventId: event.id, event }));
  const producer = await app.getWorker("producer");
  const consumeStarted = Date.now();
  await producer.fetch("http://producer/", { method: "POST", body: JSON.stringify(queued) });
  const enqueueMs = Date.now() - consumeStarted;
  const consumed = await settle(db, "queue", consumeStarted);
  const eventsPerSecond = (EVENTS / consumed.ms) * 1000;

  console.log(`\nworkerd via Miniflare, ${CONNECTIONS} connections, ${EVENTS} distinct events (two per payment) each delivered twice, first out of order, consumer batches of ${BATCH}`);
  printTable([baseline, floor, webhook, withConsumer], baseline);
  const report = (label, s) => `${label}: stored ${s.n} of ${EVENTS} (lost: ${Math.max(0, EVENTS - s.n)}), still open: ${s.open}, consumer runs: ${s.attempts} (handled twice: ${s.attempts - s.n})`;
  console.log(`
acknowledged ${acked.requests.total} deliveries with the consumer running in ${acked.seconds.toFixed(2)} s (${withConsumer.rps} req/s), non-2xx: ${acked.non2xx}; all settled after ${(ackSettled.ms / 1000).toFixed(2)} s
${report("acknowledged events", ackSettled)}
consumer: ${queued.length} messages queued in ${(enqueueMs / 1000).toFixed(2)} s, all ${EVENTS} events settled after ${(consumed.ms / 1000).toFixed(2)} s: ${Math.round(eventsPerSecond)} events/s
${report("queued events", consumed)}`);
  const goal = (ok) => (ok ? "met" : "NOT met");
  const exact = (s) => s.n === EVENTS && s.open === 0 && s.attempts === s.n;
  console.log(`acknowledgement vs the enqueue-only Worker: ${(webhook.rps / floor.rps).toFixed(2)}x req/s, p99 ${webhook.p99} vs ${floor.p99} ms`);
  console.log(`goals (issue 16): acknowledgement >= 0.5x bare: ${(webhook.rps / baseline.rps).toFixed(2)}x, ${goal(webhook.rps >= 0.5 * baseline.rps)}; ` +
    `p99 < 50 ms: ${webhook.p99} ms, ${goal(webhook.p99 < 50)}; consumer >= 500 events/s: ${Math.round(eventsPerSecond)}, ${goal(eventsPerSecond >= 500)}; ` +
    `lost 0 and doubled 0: ${goal(exact(ackSettled) && exact(consumed))}`);
  if (!exact(ackSettled) || !exact(consumed) || acked.non2xx > 0 || webhook.errors > 0) process.exitCode = 1;
} finally {
  await app.dispose();
  await bare.dispose();
  await enqueueOnly.dispose();
  await ackOnly.dispose();
}

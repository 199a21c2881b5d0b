// `npm run capacity -- --learners N`: bytes per table per learner-year on the real schema.
// Seeds a year of activity for N learners (default 2,000; the issue's 100k works too, slowly) into a
// local D1 (workerd's SQLite via Miniflare, every migration applied), one table at a time, and
// measures each table's growth in the database size D1 reports (meta.size_after: rows, their
// indexes and B-tree overhead, what counts against its 10 GB). Per learner-year activity, stated
// here and in docs/decisions/013-d1-capacity-and-retention.md:
//   sessions 50 (a sign-in a week, kept until they expire), payments 14 (12 renewals + 2 courses),
//   enrollments 3, module progress 30, learning events 33, token ledger projection 60 entries,
//   emails 20 (with their template data), audit 4, Stripe events 28 (payload ~2.5 KB each).
import { readFileSync, readdirSync } from "node:fs";
import { Miniflare } from "miniflare";

const args = process.argv.slice(2);
const N = args.includes("--learners") ? Number(args[args.indexOf("--learners") + 1]) : 2_000;
const COMPAT_DATE = /compatibility_date = "([\d-]+)"/.exec(readFileSync("wrangler.toml", "utf8"))[1];
const mf = new Miniflare({ modules: true, compatibilityDate: COMPAT_DATE, d1Databases: ["DB"], script: "export default { fetch() { return new Response('') } }" });
try {
  const db = await mf.getD1Database("DB");
  for (const file of readdirSync("migrations").filter((f) => f.endsWith(".sql")).sort()) {
    for (const statement of readFileSync(`migrations/${file}`, "utf8").split("--> statement-breakpoint")) if (statement.trim()) await db.prepare(statement).run();
  }
  // D1 refuses PRAGMA page_count; every result's meta carries the database size after it (size_after).
  const size = async () => (await db.prepare("select 1").run()).meta.size_after;
  const year = Date.UTC(2026, 0, 1);
  const DAY = 86_400_000;
  // n(i): 1..count, per learner: learner = i % N, k = i / N (the k-th row of that learner).
  const rows = (count) => `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${count} - 1)`;
  const id = (prefix, expr) => `'${prefix}_' || printf('%026d', ${expr})`;
  const learner = id("usr", "i % " + N);
  const at = (perYear) => `${year} + (i / ${N}) * ${Math.floor((365 * DAY) / perYear)} + (i % 997) * 1000`;
  const blob = (bytes) => `hex(randomblob(${Math.floor(bytes / 2)}))`;
  const COURSES = 500;
  const seeds = [
    ["courses and modules (500 × 10, shared)", [
      `${rows(50)} INSERT INTO users (id, email, name, password_hash, role, created_at, updated_at) SELECT ${id("usr", "1000000000 + i")}, 'instructor' || i || '@cap.test', 'Instructor ' || i, 'pbkdf2_sha256$100000$' || ${blob(24)} || '$' || ${blob(44)}, 'instructor', ${year}, ${year} FROM n`,
      `${rows(COURSES)} INSERT INTO courses (id, slug, instructor_id, title, description, category, level, language, price_amount, currency, status, rating_count, rating_sum, rating_avg, enrollment_count, published_at, created_at, updated_at, search_id)
        SELECT ${id("crs", "i")}, 'course-' || i, ${id("usr", "1000000000 + i % 50")}, 'Course ' || i, ${blob(400)}, 'development', 'beginner', 'en', 1900, 'usd', 'published', 0, 0, 0, 0, ${year}, ${year}, ${year}, i + 1 FROM n`,
      `${rows(COURSES * 10)} INSERT INTO course_modules (id, course_id, position, title, r2_key, file_name, content_type, size_bytes, created_at) SELECT ${id("mod", "i")}, ${id("crs", "i / 10")}, i % 10 + 1, 'Lesson ' || (i % 10 + 1), 'modules/' || ${id("mod", "i")} || '/lesson.pdf', 'lesson.pdf', 'application/pdf', 1048576, ${year} FROM n`,
    ]],
    ["users", [`${rows(N)} INSERT INTO users (id, email, name, password_hash, role, created_at, updated_at) SELECT ${learner}, 'learner' || i || '@example.com', 'Learner Number ' || i, 'pbkdf2_sha256$100000$' || ${blob(24)} || '$' || ${blob(44)}, 'student', ${year}, ${year} FROM n`]],
    ["sessions", [`${rows(N * 50)} INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at) SELECT ${id("ses", "i")}, ${blob(64)}, ${learner}, ${at(50)}, ${at(50)} + 3600000, ${at(50)} + 30 * ${DAY} FROM n`]],
    ["payments", [`${rows(N * 14)} INSERT INTO payments (id, user_id, purpose, purpose_ref, description, amount, currency, status, flow, stripe_customer_id, stripe_payment_intent_id, stripe_checkout_session_id, stripe_charge_id, metadata, succeeded_at, created_at, updated_at)
      SELECT ${id("pay", "i")}, ${learner}, CASE WHEN i / ${N} < 12 THEN 'subscription' ELSE 'course_purchase' END, CASE WHEN i / ${N} < 12 THEN ${id("sub", "i % " + N)} ELSE ${id("crs", "i % " + COURSES)} END,
             'Coursemint Pro, monthly', 1900, 'usd', 'succeeded', 'checkout', 'cus_' || ${blob(14)}, 'pi_' || ${blob(24)}, 'cs_test_' || ${blob(58)}, 'ch_' || ${blob(24)}, '{"source":"web"}', ${at(14)}, ${at(14)}, ${at(14)} FROM n`]],
    ["enrollments", [`${rows(N * 3)} INSERT INTO enrollments (id, course_id, user_id, status, source, payment_id, amount_paid, currency, created_at, updated_at) SELECT ${id("enr", "i")}, ${id("crs", `(i / ${N} + i * 7) % ${COURSES}`)}, ${learner}, 'active', 'purchase', ${id("pay", "i + 12 * " + N)}, 1900, 'usd', ${at(3)}, ${at(3)} FROM n`]],
    ["module_progress", [`${rows(N * 30)} INSERT OR IGNORE INTO module_progress (user_id, module_id, course_id, completed_at) SELECT ${learner}, ${id("mod", `((i / ${N} / 10 + (i % ${N}) * 7) % ${COURSES}) * 10 + (i / ${N}) % 10`)}, ${id("crs", `(i / ${N} / 10 + (i % ${N}) * 7) % ${COURSES}`)}, ${at(30)} FROM n`]],
    ["learning_events", [`${rows(N * 33)} INSERT INTO learning_events (id, user_id, course_id, type, created_at) SELECT ${id("lev", "i")}, ${learner}, ${id("crs", `(i / ${N} + (i % ${N}) * 7) % ${COURSES}`)}, CASE WHEN i / ${N} < 30 THEN 'module_completed' ELSE 'course_completed' END, ${at(33)} FROM n`]],
    ["token_transactions", [`${rows(N * 60)} INSERT INTO token_transactions (id, user_id, seq, type, amount, held_delta, balance_after, held_after, reason, source_key, created_at) SELECT ${id("ttx", "i")}, ${learner}, i / ${N} + 1, 'earn', 10, 0, 10 * (i / ${N} + 1), 0, 'Module completed', 'module:' || ${id("mod", "i")}, ${at(60)} FROM n`]],
    ["emails", [`${rows(N * 20)} INSERT INTO emails (id, idempotency_key, template, to_address, data, subject, status, attempts, provider, provider_message_id, request_id, created_at, updated_at, sent_at)
      SELECT ${id("eml", "i")}, 'receipt:' || ${id("pay", "i")}, 'payment_receipt', 'learner' || (i % ${N}) || '@example.com', '{"name":"Learner Number","amount":1900,"currency":"usd","item":"Coursemint Pro, monthly","url":"https://coursemint.example/account/payments/' || ${id("pay", "i")} || '"}', 'Your Coursemint receipt', 'sent', 1, 'resend', ${blob(36)}, ${id("req", "i")}, ${at(20)}, ${at(20)}, ${at(20)} FROM n`]],
    ["audit_log", [`${rows(N * 4)} INSERT INTO audit_log (id, actor_id, action, target_type, target_id, metadata, request_id, created_at) SELECT ${id("aud", "i")}, ${learner}, 'session.created', 'user', ${learner}, '{"ip":"203.0.113.7","userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15"}', ${id("req", "i")}, ${at(4)} FROM n`]],
    ["stripe_events", [`${rows(N * 28)} INSERT INTO stripe_events (id, type, stripe_created_at, status, attempts, payload, received_at) SELECT 'evt_' || ${blob(24)}, 'invoice.paid', ${at(28)}, 'processed', 1, '{"object":' || '"' || ${blob(2400)} || '"}', ${at(28)} FROM n`]],
  ];
  const results = [];
  for (const [table, statements] of seeds) {
    const before = await size();
    for (const statement of statements) {
      await db.prepare(statement).run().catch((error) => {
        throw new Error(`seeding ${table}: ${error.message}`);
      });
    }
    const bytes = (await size()) - before;
    results.push({ table, bytes });
  }
  const learnerTables = results.filter((r) => !r.table.startsWith("courses"));
  const perLearner = learnerTables.reduce((s, r) => s + r.bytes, 0) / N;
  console.log(`\n${N.toLocaleString("en-US")} learners, one year of activity (D1's database size after each table; real schema: ${readdirSync("migrations").filter((f) => f.endsWith(".sql")).length} migrations)\n`);
  console.log("| table | MB | bytes per learner-year | share |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const r of results) {
    const share = r.table.startsWith("courses") ? "" : `${((100 * r.bytes) / N / perLearner).toFixed(1)} %`;
    console.log(`| ${r.table} | ${(r.bytes / 1e6).toFixed(2)} | ${r.table.startsWith("courses") ? "(shared)" : Math.round(r.bytes / N).toLocaleString("en-US")} | ${share} |`);
  }
  console.log(`| **per learner-year** | | **${Math.round(perLearner).toLocaleString("en-US")}** | |`);
  console.log(`\nLearner-years per 10 GB database: ${Math.floor(10e9 / perLearner).toLocaleString("en-US")}`);
} finally {
  await mf.dispose();
}

// SQL that seeds N published-ish courses (and their search rows) by 50 instructors, generated
// inside SQLite with a recursive CTE, so 100,000 rows go in with a handful of statements. Shared by
// the listing bench (scripts/bench/listing.mjs) and the EXPLAIN QUERY PLAN test.
export const SEED_INSTRUCTORS = 50;
export const SEED_WORDS = ["Python", "Kubernetes", "Watercolor", "Marketing", "Guitar", "Statistics", "Photography", "Spanish"];

/** Statements to run in order. Course i: category i%10, level i%3, language (i/7)%10, 1 in 4 free, 1 in 20 draft. */
export function courseSeedStatements(n = 100_000, base = Date.UTC(2026, 0, 1)) {
  const categories = ["development", "data", "design", "business", "marketing", "music", "photography", "language", "health", "personal"];
  const levels = ["beginner", "intermediate", "advanced"];
  const languages = ["en", "es", "fr", "de", "pt", "it", "ja", "zh", "hi", "ar"];
  const pick = (list, expr) => `CASE ${expr} ${list.map((v, i) => `WHEN ${i} THEN '${v}'`).join(" ")} END`;
  return [
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${SEED_INSTRUCTORS})
     INSERT OR IGNORE INTO users (id, email, name, password_hash, role, created_at, updated_at)
     SELECT 'usr_' || printf('%026d', i), 'seed-instructor-' || i || '@bench.test', 'Seed Instructor ' || i, 'pbkdf2_sha256$1$AA==$AA==', 'instructor', ${base}, ${base} FROM n`,
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n})
     INSERT INTO courses (id, slug, instructor_id, title, description, category, level, language, price_amount, currency, status,
                          rating_count, rating_sum, rating_avg, enrollment_count, published_at, created_at, updated_at, search_id)
     SELECT 'crs_' || printf('%026d', i), 'seed-course-' || i, 'usr_' || printf('%026d', 1 + i % ${SEED_INSTRUCTORS}),
            'Course ' || i || ' ' || ${pick(SEED_WORDS, `i % ${SEED_WORDS.length}`)} || ' essentials',
            'Seeded course number ' || i || ' about ' || ${pick(SEED_WORDS, `(i / 3) % ${SEED_WORDS.length}`)} || ', with exercises and projects.',
            ${pick(categories, "i % 10")}, ${pick(levels, "i % 3")}, ${pick(languages, "(i / 7) % 10")},
            CASE WHEN i % 4 = 0 THEN 0 ELSE 100 + (i * 37) % 20000 END, 'usd',
            CASE WHEN i % 20 = 0 THEN 'draft' ELSE 'published' END,
            (i * 13) % 97, 0, (i * 13) % 501, (i * 7919) % 5000, ${base} + i * 60000, ${base} + i * 60000, ${base} + i * 60000,
            (SELECT coalesce(max(search_id), 0) FROM courses) + i
     FROM n`,
    `INSERT INTO courses_fts (rowid, course_id, title, description) SELECT search_id, id, title, description FROM courses WHERE slug LIKE 'seed-course-%'`,
  ];
}

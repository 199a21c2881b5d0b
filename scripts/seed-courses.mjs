// Demo catalog for `npm start` and the e2e journeys: published courses by the demo instructor
// (free and paid, several categories, levels and languages), each with modules whose files are
// two small shared demo objects in local R2. Idempotent (fixed ids, INSERT OR IGNORE).
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";

const INSTRUCTOR = "usr_00000000000000000000000002";
const FILES = {
  pdf: { key: "demo/welcome.pdf", file: "scripts/demo-files/welcome.pdf", type: "application/pdf", name: "welcome.pdf" },
  md: { key: "demo/notes.md", file: "scripts/demo-files/notes.md", type: "text/markdown; charset=utf-8", name: "notes.md" },
};

export const DEMO_COURSES = [
  ["SQL for Analysts", "data", "beginner", "en", 2999, "Write SELECT, JOIN and GROUP BY queries against real data sets, then build a small reporting dashboard."],
  ["Kubernetes in Production", "development", "advanced", "en", 7900, "Deploy, scale and debug workloads on Kubernetes: probes, autoscaling, rollouts and incident drills."],
  ["Watercolor Basics", "design", "beginner", "fr", 0, "Materials, washes and layering: paint three small landscapes step by step, no experience needed."],
  ["Guitar Chords in 30 Days", "music", "beginner", "es", 0, "Learn the twenty chords behind most popular songs, with a short daily practice plan."],
  ["Marketing Funnels That Convert", "marketing", "intermediate", "en", 4500, "Map your funnel, write landing pages and measure every step with simple experiments."],
  ["Street Photography", "photography", "intermediate", "it", 3500, "Composition, light and timing in the street, with weekly photo walks and critiques."],
  ["Python for Data Science", "data", "intermediate", "en", 5900, "pandas, plotting and a first machine learning model, from notebook to a shareable report."],
  ["Business German", "language", "beginner", "de", 1999, "Meetings, emails and phone calls in German for the workplace, with dialogues and drills."],
  ["Mindful Productivity", "personal", "beginner", "en", 0, "Plan your week, protect deep work and keep a calm mind with short daily exercises."],
  ["Strength Training at Home", "health", "beginner", "pt", 1500, "A twelve-week bodyweight programme with progressions, mobility work and recovery tips."],
];

const q = (v) => (v === null ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
const pad = (n) => String(n).padStart(3, "0");

/**
 * Demo learners, so that each demo course has real enrollments: a course's learner count is one
 * thing everywhere (its active enrollments, kept in courses.enrollment_count by every enrollment
 * change), never a number the seed makes up. They sign in with the demo password.
 */
const LEARNERS = Array.from({ length: 12 }, (_, i) => ({
  id: `usr_00000000000000000000000s${String(i + 1).padStart(2, "0")}`,
  email: `learner${String(i + 1).padStart(2, "0")}@coursemint.test`,
  name: `Demo Learner ${i + 1}`,
}));
/** Active enrollments per demo course (the order of DEMO_COURSES). */
const LEARNERS_PER_COURSE = [10, 8, 7, 12, 5, 4, 11, 2, 9, 3];

/** The demo instructor's public profile (bio; the avatar is generated from the initials). */
const INSTRUCTOR_BIO =
  "Ian has taught data, engineering and creative courses for twelve years, first in evening classes and now online. He writes short lessons, practical exercises and answers every review.";

export function courseSeedSql(now = Date.now(), passwordHash = "!") {
  const lines = LEARNERS.map(
    (u) => `INSERT OR IGNORE INTO users (id, email, name, password_hash, role, created_at, updated_at) VALUES (${[u.id, u.email, u.name, passwordHash, "student", now, now].map(q).join(", ")});`,
  );
  lines.push(`INSERT OR IGNORE INTO instructor_profiles (user_id, bio, avatar_key, updated_at) VALUES (${[INSTRUCTOR, INSTRUCTOR_BIO, null, now].map(q).join(", ")});`);
  DEMO_COURSES.forEach(([title, category, level, language, price, description], i) => {
    const id = `crs_0000000000000000000000d${pad(i + 1)}`;
    const slug = `${title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}-d${pad(i + 1)}`;
    const published = now - (DEMO_COURSES.length - i) * 86_400_000;
    lines.push(
      `INSERT OR IGNORE INTO courses (id, slug, instructor_id, title, description, category, level, language, price_amount, currency, status, rating_count, rating_sum, rating_avg, enrollment_count, published_at, created_at, updated_at, search_id) SELECT ${[id, slug, INSTRUCTOR, title, description, category, level, language, price, "usd", "published", 0, 0, 0, 0, published, published, published].map(q).join(", ")}, coalesce(max(search_id), 0) + 1 FROM courses;`,
      `INSERT INTO courses_fts (rowid, course_id, title, description) SELECT search_id, id, title, description FROM courses WHERE id = ${q(id)} AND NOT EXISTS (SELECT 1 FROM courses_fts WHERE rowid = courses.search_id);`,
    );
    [["Course notes and first exercise", FILES.md], ["Welcome slides (PDF)", FILES.pdf], ["Practice and next steps", FILES.md]].forEach(([moduleTitle, f], m) => {
      const moduleId = `mod_000000000000000000000${pad(i + 1)}${m}d`;
      lines.push(
        `INSERT OR IGNORE INTO course_modules (id, course_id, position, title, r2_key, file_name, content_type, size_bytes, created_at) VALUES (${[moduleId, id, m + 1, moduleTitle, f.key, f.name, f.type, statSync(f.file).size, published].map(q).join(", ")});`,
      );
    });
    LEARNERS.slice(0, LEARNERS_PER_COURSE[i]).forEach((u, n) => {
      const enrollmentId = `enr_00000000000000000000d${pad(i + 1)}${String(n + 1).padStart(2, "0")}`;
      lines.push(
        `INSERT OR IGNORE INTO enrollments (id, course_id, user_id, status, source, payment_id, amount_paid, currency, created_at, updated_at) VALUES (${[enrollmentId, id, u.id, "active", price === 0 ? "free" : "purchase", null, 0, "usd", published, published].map(q).join(", ")});`,
      );
    });
    // The same recount the app runs on every enrollment change (recountEnrollments).
    lines.push(`UPDATE courses SET enrollment_count = (SELECT count(*) FROM enrollments WHERE course_id = courses.id AND status = 'active') WHERE id = ${q(id)};`);
  });
  return lines.join("\n") + "\n";
}

/** Puts the demo module files into local R2 (the same persist dir as wrangler dev). */
/** `stderr`: where wrangler's own output goes (a log file descriptor from `npm start`, the terminal by default). */
export function seedCourseFiles(persistTo, stderr = "inherit") {
  for (const f of Object.values(FILES)) {
    const args = ["wrangler", "r2", "object", "put", `coursemint-uploads/${f.key}`, "--file", f.file, "--content-type", f.type, "--local"];
    if (persistTo) args.push("--persist-to", persistTo);
    execFileSync("npx", args, { stdio: ["ignore", "ignore", stderr] });
  }
}

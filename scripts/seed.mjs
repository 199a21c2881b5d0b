// Demo data for local development and end-to-end tests. Idempotent: rows are INSERT OR IGNORE
// with fixed ids, so running it again changes nothing. Usage: node scripts/seed.mjs [--persist-to DIR]
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { webcrypto as crypto } from "node:crypto";
import { courseSeedSql, seedCourseFiles } from "./seed-courses.mjs";

export const DEMO_PASSWORD = "demo-password-1";
export const DEMO_USERS = [
  { id: "usr_00000000000000000000000001", email: "admin@coursemint.test", name: "Ada Admin", role: "admin" },
  { id: "usr_00000000000000000000000002", email: "instructor@coursemint.test", name: "Ian Instructor", role: "instructor" },
  { id: "usr_00000000000000000000000003", email: "student@coursemint.test", name: "Sam Student", role: "student" },
  { id: "usr_00000000000000000000000004", email: "enterprise@coursemint.test", name: "Erin Enterprise", role: "enterprise" },
];

/** Same format as app/modules/auth/password.server.ts. */
export async function hashPassword(password) {
  const iterations = 100_000;
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  const b64 = (b) => Buffer.from(b).toString("base64");
  return `pbkdf2_sha256$${iterations}$${b64(salt)}$${b64(new Uint8Array(bits))}`;
}

/** A demo organization owned by the enterprise user, with a one-year Enterprise license (docs/licensing.md). */
function licenseSeedSql(now) {
  const org = "org_00000000000000000000000001";
  const owner = DEMO_USERS[3].id;
  const features = JSON.stringify(["course_discount", "certificates", "offline_downloads", "priority_support", "team_seats", "white_label"]);
  return [
    `INSERT OR IGNORE INTO organizations (id, name, owner_id, created_at, updated_at) VALUES (${[org, "Erin's Team", owner, now, now].map(q).join(", ")});`,
    `INSERT OR IGNORE INTO organization_members (organization_id, user_id, role, created_at) VALUES (${[org, owner, "owner", now].map(q).join(", ")});`,
    `INSERT OR IGNORE INTO licenses (id, organization_id, tier, status, source, features, max_seats, max_machines, metadata, starts_at, expires_at, auto_renews, created_at, updated_at) VALUES (${["lic_00000000000000000000000001", org, "enterprise", "active", "manual", features, 25, 100, "{}", now, now + 365 * 86_400_000, 0, now, now].map(q).join(", ")});`,
  ].join("\n");
}

const q = (v) => (v === null ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replaceAll("'", "''")}'`);

export async function seedSql() {
  const now = Date.now();
  const hash = await hashPassword(DEMO_PASSWORD);
  const lines = DEMO_USERS.map(
    (u) =>
      `INSERT OR IGNORE INTO users (id, email, name, password_hash, role, created_at, updated_at) VALUES (${[u.id, u.email, u.name, hash, u.role, now, now].map(q).join(", ")});`,
  );
  return lines.join("\n") + "\n" + courseSeedSql(now, hash) + "\n" + licenseSeedSql(now);
}

/** `stderr`: where wrangler's own output goes (a log file descriptor from `npm start`, the terminal by default). */
export async function seed(persistTo, stderr = "inherit") {
  mkdirSync(".wrangler/tmp", { recursive: true });
  const file = ".wrangler/tmp/seed.sql";
  writeFileSync(file, await seedSql());
  const args = ["wrangler", "d1", "execute", "DB", "--local", "--file", file];
  if (persistTo) args.push("--persist-to", persistTo);
  execFileSync("npx", args, { stdio: ["ignore", "ignore", stderr] });
  seedCourseFiles(persistTo, stderr);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--persist-to");
  await seed(i > 0 ? process.argv[i + 1] : undefined);
  console.log("Seeded demo users:", DEMO_USERS.map((u) => u.email).join(", "));
}

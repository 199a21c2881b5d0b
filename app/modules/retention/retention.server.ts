import { and, asc, inArray, isNotNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { THROTTLE_RULES } from "~/modules/auth/throttle.server";
import { DAY, now } from "~/utils/clock";
import { inJsonArray } from "~/utils/db.server";
import { auditLog, emails, loginThrottle, sessions, stripeEvents } from "~drizzle/schema";

/**
 * Retention (docs/decisions/013-d1-capacity-and-retention.md): rows past their time move to R2 as
 * gzip NDJSON, one object per table, UTC day and batch, and are deleted from D1 in bounded batches.
 * The one place these windows live.
 */
export const RETENTION_POLICY = {
  /** Expired or revoked sessions stay this long (support can still see a recent sign-out in D1). */
  sessionsAfterEndMs: 7 * DAY,
  /** Login throttle counters stay this long after their window and lock are over. */
  throttleAfterWindowMs: DAY,
  /**
   * Handled Stripe events (payload and all) stay this long after they arrived: past Stripe's own
   * 30 days none can be delivered or resent again, so the id no longer needs to deduplicate.
   * Failed and dead-lettered events stay until an admin replays them.
   */
  stripeEventsAfterMs: 35 * DAY,
  /** A sent email keeps its template data (what a resend needs) this long; the delivery record stays. */
  emailDataAfterSentMs: 90 * DAY,
  /** Audit entries stay in D1 (the admin audit log and its filters) this long, then live in the archive. */
  auditAfterMs: 400 * DAY,
  /** Rows per select/archive/delete round (their ids go back as one json_each parameter). */
  batchSize: 500,
  /** Rounds per table per run: a run stays bounded in time and memory; the next run continues. */
  maxBatchesPerRun: 10,
} as const;

export const ARCHIVE_PREFIX = "retention/";
const THROTTLE_SPAN_MS = Math.max(...Object.values(THROTTLE_RULES).map((r) => r.windowMs + r.lockMs));

type Row = Record<string, unknown> & { id: string };
/** What the archive holds: whole rows of sessions, throttles, Stripe events and audit entries; of emails, their template data. */
export const ARCHIVED_TABLES = ["sessions", "login_throttle", "stripe_events", "email_data", "audit_log"] as const;
export type ArchivedTable = (typeof ARCHIVED_TABLES)[number];
type Table = {
  name: ArchivedTable;
  /** Up to `limit` rows past retention at `t`, oldest first, with the epoch ms that names their archive day. */
  select(app: AppContext, t: number, limit: number): Promise<{ row: Row; at: number }[]>;
  /** Deletes those of `ids` still past retention at `t` (a row renewed meanwhile stays). */
  remove(app: AppContext, ids: string[], t: number): Promise<unknown>;
};

const sessionsPast = (t: number): SQL =>
  or(lt(sessions.expiresAt, t - RETENTION_POLICY.sessionsAfterEndMs), and(isNotNull(sessions.revokedAt), lt(sessions.revokedAt, t - RETENTION_POLICY.sessionsAfterEndMs)))!;
const throttlePast = (t: number): SQL =>
  and(lt(loginThrottle.windowStartedAt, t - THROTTLE_SPAN_MS - RETENTION_POLICY.throttleAfterWindowMs), or(sql`${loginThrottle.lockedUntil} is null`, lt(loginThrottle.lockedUntil, t - RETENTION_POLICY.throttleAfterWindowMs)))!;

const eventsPast = (t: number): SQL => and(inArray(stripeEvents.status, ["processed", "ignored"]), lt(stripeEvents.receivedAt, t - RETENTION_POLICY.stripeEventsAfterMs))!;
// `emails_data_kept_idx` (a partial index) covers exactly these rows. The status is a literal, not a
// parameter: SQLite matches a partial index's terms only against literals.
const emailDataPast = (t: number): SQL => and(sql`${emails.status} = 'sent'`, isNotNull(emails.data), lt(emails.createdAt, t - RETENTION_POLICY.emailDataAfterSentMs))!;
const auditPast = (t: number): SQL => lt(auditLog.createdAt, t - RETENTION_POLICY.auditAfterMs);

const TABLES: Table[] = [
  {
    name: "sessions",
    async select(app, t, limit) {
      // Everything but the token hash: a hash of an ended session has no use and is not kept.
      const rows = await app.db
        .select({ id: sessions.id, userId: sessions.userId, userAgent: sessions.userAgent, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt, expiresAt: sessions.expiresAt, revokedAt: sessions.revokedAt })
        .from(sessions)
        .where(sessionsPast(t))
        .orderBy(asc(sessions.id))
        .limit(limit)
        .all();
      return rows.map((row) => ({ row, at: Math.min(row.expiresAt, row.revokedAt ?? Infinity) }));
    },
    remove: (app, ids, t) => app.db.delete(sessions).where(and(inJsonArray(sessions.id, ids), sessionsPast(t))).run(),
  },
  {
    name: "login_throttle",
    async select(app, t, limit) {
      const rows = await app.db.select().from(loginThrottle).where(throttlePast(t)).orderBy(asc(loginThrottle.key)).limit(limit).all();
      return rows.map((r) => ({ row: { id: r.key, ...r }, at: r.windowStartedAt }));
    },
    remove: (app, ids, t) => app.db.delete(loginThrottle).where(and(inJsonArray(loginThrottle.key, ids), throttlePast(t))).run(),
  },
  {
    name: "stripe_events",
    async select(app, t, limit) {
      const rows = await app.db.select().from(stripeEvents).where(eventsPast(t)).orderBy(asc(stripeEvents.receivedAt)).limit(limit).all();
      return rows.map((row) => ({ row, at: row.receivedAt }));
    },
    remove: (app, ids, t) => app.db.delete(stripeEvents).where(and(inJsonArray(stripeEvents.id, ids), eventsPast(t))).run(),
  },
  {
    name: "email_data",
    async select(app, t, limit) {
      // INDEXED BY: without it SQLite picks (status, created_at) and walks every email already
      // stripped; with it a run reads only rows still holding data (and fails loudly if the index goes).
      const { results } = await app.env.DB.prepare(
        `SELECT id, idempotency_key, template, to_address, subject, created_at, sent_at, data FROM emails INDEXED BY emails_data_kept_idx
         WHERE status = 'sent' AND data IS NOT NULL AND created_at < ? ORDER BY created_at LIMIT ?`,
      )
        .bind(t - RETENTION_POLICY.emailDataAfterSentMs, limit)
        .all<{ id: string; idempotency_key: string; template: string | null; to_address: string | null; subject: string | null; created_at: number; sent_at: number | null; data: string }>();
      return results.map((r) => ({
        row: { id: r.id, idempotencyKey: r.idempotency_key, template: r.template, toAddress: r.to_address, subject: r.subject, createdAt: r.created_at, sentAt: r.sent_at, data: JSON.parse(r.data) as unknown },
        at: r.sent_at ?? r.created_at,
      }));
    },
    // The delivery record stays (its idempotency key keeps the email from being sent twice); only the data goes.
    remove: (app, ids, t) => app.db.update(emails).set({ data: null }).where(and(inJsonArray(emails.id, ids), emailDataPast(t))).run(),
  },
  {
    name: "audit_log",
    async select(app, t, limit) {
      const rows = await app.db.select().from(auditLog).where(auditPast(t)).orderBy(asc(auditLog.createdAt)).limit(limit).all();
      return rows.map((row) => ({ row, at: row.createdAt }));
    },
    remove: (app, ids, t) => app.db.delete(auditLog).where(and(inJsonArray(auditLog.id, ids), auditPast(t))).run(),
  },
];

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function gzipLines(rows: Row[]): Promise<Uint8Array> {
  const body = new Blob([rows.map((r) => JSON.stringify(r)).join("\n") + "\n"]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/**
 * One retention run: for each table, rounds of select → archive (one object per UTC day of the
 * round, named by its first and last id) → conditional delete. Safe twice at once: both runs may
 * archive the same rows (same key and content, or another object whose duplicate lines reading
 * drops by id), and each row is deleted once, only after an archive holding it was written.
 */
export async function archiveExpired(app: AppContext): Promise<Record<string, number>> {
  const t = now();
  const archived: Record<string, number> = {};
  for (const table of TABLES) {
    let count = 0;
    for (let round = 0; round < RETENTION_POLICY.maxBatchesPerRun; round++) {
      const found = await table.select(app, t, RETENTION_POLICY.batchSize);
      if (!found.length) break;
      const byDay = new Map<string, Row[]>();
      for (const { row, at } of found) byDay.set(utcDay(at), [...(byDay.get(utcDay(at)) ?? []), row]);
      await Promise.all(
        [...byDay].map(async ([day, rows]) => {
          const key = `${ARCHIVE_PREFIX}${table.name}/${day}/${rows[0]!.id}_${rows[rows.length - 1]!.id}.ndjson.gz`;
          await app.env.UPLOADS.put(key, await gzipLines(rows), { httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" }, customMetadata: { rows: String(rows.length) } });
        }),
      );
      await table.remove(app, found.map((f) => f.row.id), t);
      count += found.length;
      if (found.length < RETENTION_POLICY.batchSize) break;
    }
    archived[table.name] = count;
  }
  app.logger.info("retention.archived", archived);
  return archived;
}

/** The archived rows of one table and UTC day (YYYY-MM-DD), each once (by id), in id order. */
export async function readArchive(app: Pick<AppContext, "env">, table: Table["name"], day: string): Promise<Row[]> {
  const byId = new Map<string, Row>();
  let cursor: string | undefined;
  do {
    const listed = await app.env.UPLOADS.list({ prefix: `${ARCHIVE_PREFIX}${table}/${day}/`, cursor });
    for (const object of listed.objects) {
      const body = await app.env.UPLOADS.get(object.key);
      if (!body) continue;
      const text = await new Response(body.body.pipeThrough(new DecompressionStream("gzip"))).text();
      for (const line of text.split("\n")) if (line) byId.set((JSON.parse(line) as Row).id, JSON.parse(line) as Row);
    }
    cursor = listed.truncated ? listed.cursor : undefined;
  } while (cursor);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The days archived for a table, newest first (for the admin pages). */
export async function archivedDays(app: Pick<AppContext, "env">, table: Table["name"]): Promise<string[]> {
  const days = new Set<string>();
  let cursor: string | undefined;
  do {
    const listed = await app.env.UPLOADS.list({ prefix: `${ARCHIVE_PREFIX}${table}/`, cursor });
    for (const object of listed.objects) days.add(object.key.split("/")[2]!);
    cursor = listed.truncated ? listed.cursor : undefined;
  } while (cursor);
  return [...days].sort().reverse();
}

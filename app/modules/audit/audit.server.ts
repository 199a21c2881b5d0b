import { and, desc, eq, lt, sql, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { withinUtcDays } from "~/utils/db.server";
import { createId, cursorSchema } from "~/utils/ids";
import { auditLog, courses, organizations, payments, users } from "~drizzle/schema";
import { auditDetails, describeAudit, isKnownAuditAction, NAMED_METADATA_KEYS, type AuditNames } from "./sentences";

export type AuditEntry = {
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  metadata?: Record<string, unknown>;
};

/** The insert statement for an audit entry, for callers that batch it with the change it records. */
export function auditInsert(app: Pick<AppContext, "db" | "requestId">, entry: AuditEntry) {
  return app.db.insert(auditLog).values({
    id: createId("audit"),
    actorId: entry.actorId,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    metadata: entry.metadata ?? {},
    requestId: app.requestId,
    createdAt: now(),
  });
}

/**
 * The audit entry as `INSERT … SELECT … FROM <from> WHERE <where>`: batched after a conditional
 * change, it is written only if `where` finds what that change left (so only if it happened).
 */
export function auditInsertWhere(app: Pick<AppContext, "db" | "requestId">, entry: AuditEntry, from: SQLiteTable, where: SQL) {
  return app.db.insert(auditLog).select(
    app.db
      .select({
        id: sql<string>`${createId("audit")}`.as("id"),
        actorId: sql<string | null>`${entry.actorId}`.as("actor_id"),
        action: sql<string>`${entry.action}`.as("action"),
        targetType: sql<string>`${entry.targetType}`.as("target_type"),
        targetId: sql<string>`${entry.targetId}`.as("target_id"),
        metadata: sql<string>`${JSON.stringify(entry.metadata ?? {})}`.as("metadata"),
        requestId: sql<string>`${app.requestId}`.as("request_id"),
        createdAt: sql<number>`${now()}`.as("created_at"),
      })
      .from(from)
      .where(where)
      .limit(1),
  );
}

export const auditFilterSchema = z.object({
  action: z.string().trim().max(64).optional().transform((v) => v || undefined),
  actorId: z.string().trim().max(64).optional().transform((v) => v || undefined),
  targetId: z.string().trim().max(64).optional().transform((v) => v || undefined),
  from: z.iso.date().optional().or(z.literal("").transform(() => undefined)),
  to: z.iso.date().optional().or(z.literal("").transform(() => undefined)),
  cursor: cursorSchema("audit"),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

function auditWhere(filter: AuditFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.action) where.push(eq(auditLog.action, filter.action));
  if (filter.actorId) where.push(eq(auditLog.actorId, filter.actorId));
  if (filter.targetId) where.push(eq(auditLog.targetId, filter.targetId));
  where.push(...withinUtcDays(auditLog.createdAt, filter.from, filter.to));
  if (filter.cursor) where.push(lt(auditLog.id, filter.cursor));
  return where;
}

const listQuery = (app: Pick<AppContext, "db">, where: SQL[], filter: AuditFilter) =>
  app.db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(filter.limit + 1);

function pageOf<T extends { id: string }>(rows: T[], filter: AuditFilter) {
  const hasMore = rows.length > filter.limit;
  const items = rows.slice(0, filter.limit);
  return { items, nextCursor: hasMore ? items[items.length - 1]!.id : null };
}

/** Newest first; the cursor is the id of the last row seen (ids sort by time). */
export async function listAudit(app: Pick<AppContext, "db">, filter: AuditFilter) {
  return pageOf(await listQuery(app, auditWhere(filter), filter), filter);
}

/**
 * The audit page: entries as sentences (sentences.ts) with the names of the people, payments,
 * organizations and courses they mention. The names are read in the SAME batch as the entries,
 * each statement selecting from the page's own rows (a CTE with the page's filter and limit), so
 * the page stays one round trip after the session and binds no id lists (never near D1's 100).
 */
export async function listAuditSentences(app: Pick<AppContext, "db">, filter: AuditFilter) {
  const where = auditWhere(filter);
  // The page's rows again as a CTE (same filter, order and limit): "page" below.
  const page = app.db.$with("page").as(
    app.db
      .select({ actorId: auditLog.actorId, targetType: auditLog.targetType, targetId: auditLog.targetId, metadata: auditLog.metadata })
      .from(auditLog)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(auditLog.id))
      .limit(filter.limit + 1),
  );
  // The ids one kind of name comes from: the target when it is of that type, and the metadata keys
  // that name one (sentences.ts), as one column of one select (D1 caps compound selects at a few terms).
  const idsOf = (type: string, keys: readonly string[]) =>
    sql.raw(`select j.value from page, json_each(json_array(case when page.target_type = '${type}' then page.target_id end${keys.map((k) => `, json_extract(page.metadata, '$.${k.replace(/[^A-Za-z]/g, "")}')`).join("")})) j where j.value is not null`);
  const paymentIds = idsOf("payment", NAMED_METADATA_KEYS.payments);
  const [rows, people, paid, orgs, titles] = await app.db.batch([
    listQuery(app, where, filter),
    app.db
      .with(page)
      .select({ id: users.id, name: users.name })
      .from(users)
      .where(
        sql`${users.id} in (select actor_id from page) or ${users.id} in (${idsOf("user", NAMED_METADATA_KEYS.users)}) or ${users.id} in (select ${payments.userId} from ${payments} where ${payments.id} in (${paymentIds}))`,
      ),
    app.db
      .with(page)
      // What was paid for, in words: the course's title for a course purchase, else the payment's description.
      .select({ id: payments.id, userId: payments.userId, description: sql<string>`coalesce(${courses.title}, ${payments.description})`, amount: payments.amount, currency: payments.currency })
      .from(payments)
      .leftJoin(courses, and(eq(payments.purpose, "course_purchase"), eq(courses.id, payments.purposeRef)))
      .where(sql`${payments.id} in (${paymentIds})`),
    app.db
      .with(page)
      .select({ id: organizations.id, name: organizations.name })
      .from(organizations)
      .where(sql`${organizations.id} in (${idsOf("organization", NAMED_METADATA_KEYS.organizations)})`),
    app.db.with(page).select({ id: courses.id, title: courses.title }).from(courses).where(sql`${courses.id} in (${idsOf("course", [])})`),
  ]);
  const names: AuditNames = {
    users: Object.fromEntries(people.map((u) => [u.id, { name: u.name }])),
    payments: Object.fromEntries(paid.map((p) => [p.id, p])),
    organizations: Object.fromEntries(orgs.map((o) => [o.id, { name: o.name }])),
    courses: Object.fromEntries(titles.map((c) => [c.id, { title: c.title }])),
  };
  const { items, nextCursor } = pageOf(rows, filter);
  return {
    items: items.map((e) => ({ ...e, sentence: describeAudit(e, names), details: isKnownAuditAction(e.action) ? [] : auditDetails(e.metadata) })),
    nextCursor,
  };
}

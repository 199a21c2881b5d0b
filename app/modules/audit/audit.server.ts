import { and, desc, eq, lt, sql, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { now } from "~/utils/clock";
import { withinUtcDays } from "~/utils/db.server";
import { createId, cursorSchema } from "~/utils/ids";
import { auditLog } from "~drizzle/schema";

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

/** Newest first; the cursor is the id of the last row seen (ids sort by time). */
export async function listAudit(app: Pick<AppContext, "db">, filter: AuditFilter) {
  const where: SQL[] = [];
  if (filter.action) where.push(eq(auditLog.action, filter.action));
  if (filter.actorId) where.push(eq(auditLog.actorId, filter.actorId));
  if (filter.targetId) where.push(eq(auditLog.targetId, filter.targetId));
  where.push(...withinUtcDays(auditLog.createdAt, filter.from, filter.to));
  if (filter.cursor) where.push(lt(auditLog.id, filter.cursor));
  const rows = await app.db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(filter.limit + 1);
  const hasMore = rows.length > filter.limit;
  const items = rows.slice(0, filter.limit);
  return { items, nextCursor: hasMore ? items[items.length - 1]!.id : null };
}

import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { epochMs } from "./columns";

/** Append-only record of sensitive operations. Rows are never updated; after 400 days retention moves them to R2 (app/modules/retention). */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    actorId: text("actor_id").references(() => users.id, { onDelete: "set null" }),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id").notNull(),
    /** JSON object with the details of the change (never secrets). */
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    requestId: text("request_id").notNull(),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [
    index("audit_log_created_idx").on(t.createdAt),
    index("audit_log_action_created_idx").on(t.action, t.createdAt),
    index("audit_log_actor_created_idx").on(t.actorId, t.createdAt),
  ],
);

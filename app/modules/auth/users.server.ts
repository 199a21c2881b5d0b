import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { ROLES, users } from "~drizzle/schema";
import { containsText } from "~/utils/db.server";
import { cursorSchema } from "~/utils/ids";

export const userSearchSchema = z.object({
  q: z.string().trim().max(254).optional().transform((v) => v || undefined),
  role: z.enum(ROLES).optional().or(z.literal("").transform(() => undefined)),
  cursor: cursorSchema("user"),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** Admin user directory: newest first, filter by email/name fragment and role, cursor on id. */
export async function searchUsers(app: Pick<AppContext, "db">, filter: z.infer<typeof userSearchSchema>) {
  const where: SQL[] = [];
  if (filter.q) where.push(containsText(users.email, filter.q));
  if (filter.role) where.push(eq(users.role, filter.role));
  if (filter.cursor) where.push(lt(users.id, filter.cursor));
  const rows = await app.db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, createdAt: users.createdAt })
    .from(users)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(users.id))
    .limit(filter.limit + 1)
    .all();
  const items = rows.slice(0, filter.limit);
  return { items, nextCursor: rows.length > filter.limit ? items[items.length - 1]!.id : null };
}

export const roleChangeSchema = z.strictObject({ role: z.enum(ROLES, { error: `Role must be one of ${ROLES.join(", ")}` }) });

/** Name and email of one user (a receipt's payer); undefined if the user is gone. */
export async function findUserContact(app: Pick<AppContext, "db">, userId: string) {
  return app.db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, userId)).get();
}

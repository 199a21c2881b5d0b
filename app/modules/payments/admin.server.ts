import { desc, eq } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { containsText } from "~/utils/db.server";
import { payments, users } from "~drizzle/schema";
import { publicPayment } from "./records.server";

export const paymentSearchSchema = z.object({
  q: z.string().trim().max(254).optional().transform((v) => v || undefined),
});

/** Admin lookup: an exact payment id, or the latest payments of users whose email matches. */
export async function searchPayments(app: AppContext, q: string | undefined) {
  const base = app.db.select({ payment: payments, email: users.email }).from(payments).innerJoin(users, eq(users.id, payments.userId));
  const rows = !q
    ? await base.orderBy(desc(payments.id)).limit(25).all()
    : q.startsWith("pay_")
      ? await base.where(eq(payments.id, q)).all()
      : await base
          .where(containsText(users.email, q))
          .orderBy(desc(payments.id))
          .limit(50)
          .all();
  return rows.map((r) => ({ ...publicPayment(r.payment), email: r.email }));
}

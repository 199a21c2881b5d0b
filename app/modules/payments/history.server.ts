import { and, desc, eq, inArray, lt, type SQL } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { withinUtcDays } from "~/utils/db.server";
import { AppError } from "~/utils/errors";
import { payments, refunds, users } from "~drizzle/schema";
import { PAYMENT_STATUSES } from "~drizzle/schema/enums";
import { cursorSchema } from "~/utils/ids";
import { PAYMENT_PURPOSES } from "./purposes";
import { findPayment, publicPayment, publicRefund } from "./records.server";

export const historySchema = z.object({
  status: z.enum(PAYMENT_STATUSES).optional(),
  purpose: z.enum(PAYMENT_PURPOSES).optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  userId: z.string().max(64).optional(),
  cursor: cursorSchema("payment"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** Newest first with refunds attached; `userId` other than the caller's needs an admin. */
export async function listPayments(app: AppContext, input: z.infer<typeof historySchema> & { userId: string }) {
  const where: SQL[] = [eq(payments.userId, input.userId)];
  if (input.status) where.push(eq(payments.status, input.status));
  if (input.purpose) where.push(eq(payments.purpose, input.purpose));
  where.push(...withinUtcDays(payments.createdAt, input.from, input.to));
  if (input.cursor) where.push(lt(payments.id, input.cursor));
  // The page and its refunds read together: the refunds of the same page, chosen by a subquery.
  const pageIds = app.db.select({ id: payments.id }).from(payments).where(and(...where)).orderBy(desc(payments.id)).limit(input.limit + 1);
  const [rows, refundRows] = await Promise.all([
    app.db.select().from(payments).where(and(...where)).orderBy(desc(payments.id)).limit(input.limit + 1).all(),
    app.db.select().from(refunds).where(inArray(refunds.paymentId, pageIds)).orderBy(refunds.id).all(),
  ]);
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((p) => ({ ...publicPayment(p), refunds: refundRows.filter((r) => r.paymentId === p.id).map(publicRefund) })),
    nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null,
  };
}

/** A payment with its refunds, for its owner or an admin; anyone else gets a 404. */
export async function getPaymentFor(app: AppContext, viewer: SessionUser, paymentId: string, canReadAny: boolean) {
  // Read together; the refunds are shown only once the payment is known to be the viewer's.
  const [payment, refundRows] = await Promise.all([findPayment(app, { id: paymentId }), app.db.select().from(refunds).where(eq(refunds.paymentId, paymentId)).orderBy(refunds.id).all()]);
  if (!payment || (payment.userId !== viewer.id && !canReadAny)) throw AppError.notFound("Payment");
  return { ...publicPayment(payment), refunds: refundRows.map(publicRefund) };
}

/** Name and email of whoever made the payment (the receipt's "billed to"), with the payment's purpose and recorded metadata (its price breakdown), read beside the payment itself. */
export async function findPayer(app: Pick<AppContext, "db">, paymentId: string) {
  return app.db
    .select({ name: users.name, email: users.email, purpose: payments.purpose, metadata: payments.metadata })
    .from(payments)
    .innerJoin(users, eq(users.id, payments.userId))
    .where(eq(payments.id, paymentId))
    .get();
}

import { and, eq, inArray } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { disputes } from "~drizzle/schema";

/* Reads of the disputes table that the refund path needs too (kept apart from disputes.server.ts, which reconciles payments). */

export type Dispute = typeof disputes.$inferSelect;

export const findDispute = (app: Pick<AppContext, "db">, stripeDisputeId: string) => app.db.select().from(disputes).where(eq(disputes.stripeDisputeId, stripeDisputeId)).get();

/** True when the payment has a chargeback that is open or was lost (refunds are then refused, as Stripe refuses them). */
export async function blockingDispute(app: Pick<AppContext, "db">, paymentId: string) {
  return app.db
    .select({ id: disputes.id, status: disputes.status })
    .from(disputes)
    .where(and(eq(disputes.paymentId, paymentId), inArray(disputes.status, ["needs_response", "under_review", "lost", "appeal_needs_response", "appeal_under_review"])))
    .get();
}


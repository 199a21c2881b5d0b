import { and, eq, inArray, or } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { disputes } from "~drizzle/schema";

/* Reads of the disputes table that the refund path needs too (kept apart from disputes.server.ts, which reconciles payments). */

export type Dispute = typeof disputes.$inferSelect;

export const findDispute = (app: Pick<AppContext, "db">, stripeDisputeId: string) => app.db.select().from(disputes).where(eq(disputes.stripeDisputeId, stripeDisputeId)).get();

/**
 * The payment's chargeback that blocks a refund: one open or lost (Stripe refuses those refunds
 * too), or one won whose effects have not caught up yet (the sale is still frozen: a refund now
 * would find nothing to reverse, and the win would then give the whole sale back).
 */
export async function blockingDispute(app: Pick<AppContext, "db">, paymentId: string) {
  return app.db
    .select({ id: disputes.id, status: disputes.status })
    .from(disputes)
    .where(
      and(
        eq(disputes.paymentId, paymentId),
        or(
          inArray(disputes.status, ["needs_response", "under_review", "lost", "appeal_needs_response", "appeal_under_review"]),
          and(inArray(disputes.status, ["won", "prevented"]), eq(disputes.effects, "opened")),
        ),
      ),
    )
    .get();
}


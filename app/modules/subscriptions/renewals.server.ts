import { and, asc, eq, inArray, isNotNull, lt, lte } from "drizzle-orm";
import Stripe from "stripe";
import type { AppContext } from "~/context.server";
import { createStripe } from "~/modules/payments/stripe.server";
import { DAY, now } from "~/utils/clock";
import { subscriptions } from "~drizzle/schema";
import { handleFailedInvoice, OPEN_STATUSES, recordPaidInvoice, retrieveInvoice, syncSubscription, type SubscriptionRow } from "./stripe-sync.server";

const BATCH = 50;
const ctx = { source: "cron" } as const;

export type RenewalRunReport = { retried: number; recovered: number; failed: number; reconciled: number; renewed: number; errors: number };

/**
 * The subscriptions cron job (every 15 minutes). Safe to run twice (every step re-reads Stripe and
 * writes idempotently; a retry's Stripe idempotency key is per attempt) and safe to run late (due
 * work is found by time, not by tick):
 * 1. dunning: retries each past_due renewal invoice whose next attempt is due (1, 3, 5, 7 days
 *    after the first failure), emails each failure, cancels after the last;
 * 2. renewals: subscriptions whose period ended are re-read from Stripe; a paid renewal invoice is
 *    recorded and confirmed by email (also when its webhook never came);
 * 3. reconciliation: rows not synced for a day (and stuck incomplete ones) are re-read from Stripe.
 */
export async function runSubscriptionRenewals(app: AppContext): Promise<RenewalRunReport> {
  const report: RenewalRunReport = { retried: 0, recovered: 0, failed: 0, reconciled: 0, renewed: 0, errors: 0 };
  const t = now();
  const guard = async (row: SubscriptionRow, step: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      report.errors++;
      app.logger.error("subscription.cron_step_failed", { step, subscriptionId: row.id, userId: row.userId, error });
    }
  };

  const due = await app.db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.status, "past_due"), isNotNull(subscriptions.dunningInvoiceId), lte(subscriptions.nextPaymentAttemptAt, t)))
    .orderBy(asc(subscriptions.nextPaymentAttemptAt))
    .limit(BATCH)
    .all();
  for (const row of due) await guard(row, "retry", async () => retryPayment(app, row, report));

  const ended = await app.db
    .select()
    .from(subscriptions)
    .where(and(inArray(subscriptions.status, [...OPEN_STATUSES]), lte(subscriptions.currentPeriodEnd, t)))
    .orderBy(asc(subscriptions.currentPeriodEnd))
    .limit(BATCH)
    .all();
  for (const row of ended) await guard(row, "renewal", async () => confirmRenewal(app, row, report));

  const stale = await app.db
    .select()
    .from(subscriptions)
    .where(and(inArray(subscriptions.status, [...OPEN_STATUSES]), lt(subscriptions.syncedAt, t - DAY)))
    .orderBy(asc(subscriptions.syncedAt))
    .limit(BATCH)
    .all();
  for (const row of stale) {
    await guard(row, "reconcile", async () => {
      await syncSubscription(app, row.stripeSubscriptionId, ctx);
      report.reconciled++;
    });
  }
  app.logger.info("subscription.cron_report", report);
  return report;
}

async function retryPayment(app: AppContext, row: SubscriptionRow, report: RenewalRunReport) {
  const stripe = createStripe(app);
  let invoice = await retrieveInvoice(app, row.dunningInvoiceId!);
  if (invoice.status === "open") {
    report.retried++;
    try {
      await stripe.invoices.pay(invoice.id!, {}, { idempotencyKey: `dunning-${invoice.id}-${row.paymentAttempts + 1}` });
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeCardError)) throw error;
    }
    invoice = await retrieveInvoice(app, invoice.id!);
  }
  const synced = (await syncSubscription(app, row.stripeSubscriptionId, ctx)) ?? row;
  if (invoice.status === "paid") {
    report.recovered++;
    await recordPaidInvoice(app, synced, invoice);
  } else if (invoice.status === "open") {
    report.failed++;
    await handleFailedInvoice(app, synced, invoice, ctx);
  } else {
    // Voided or uncollectible elsewhere: stop dunning this invoice.
    await app.db.update(subscriptions).set({ nextPaymentAttemptAt: null, updatedAt: now() }).where(eq(subscriptions.id, row.id)).run();
  }
}

async function confirmRenewal(app: AppContext, row: SubscriptionRow, report: RenewalRunReport) {
  const synced = await syncSubscription(app, row.stripeSubscriptionId, ctx);
  report.reconciled++;
  if (!synced?.latestInvoiceId || synced.status === "canceled") return;
  const invoice = await retrieveInvoice(app, synced.latestInvoiceId);
  if (invoice.billing_reason !== "subscription_cycle") return;
  if (invoice.status === "paid") {
    if (await recordPaidInvoice(app, synced, invoice)) report.renewed++;
  } else if (invoice.status === "open" && (invoice.attempt_count ?? 0) > 0 && synced.status === "past_due") {
    await handleFailedInvoice(app, synced, invoice, ctx);
  }
}

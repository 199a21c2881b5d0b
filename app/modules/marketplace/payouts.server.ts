import { and, eq, inArray, isNull, lt, lte, sql } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { auditInsert } from "~/modules/audit/audit.server";
import { createStripe } from "~/modules/payments/stripe.server";
import { now } from "~/utils/clock";
import { hasPermission } from "~/modules/auth/permissions";
import { AppError } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { instructorAccounts, instructorEarnings, payouts } from "~drizzle/schema";

export type Payout = typeof payouts.$inferSelect;
/** Failed transfers are retried on later runs up to this many attempts (same idempotency key). */
export const MAX_PAYOUT_ATTEMPTS = 8;

/** The one Stripe call of payouts: a Connect transfer whose idempotency key is our payout id. */
export type TransferFn = (app: AppContext, payout: { id: string; amount: number; currency: string; destination: string; instructorId: string }) => Promise<{ transferId: string }>;

export const stripeTransfer: TransferFn = async (app, payout) => {
  const transfer = await createStripe(app).transfers.create(
    {
      amount: payout.amount,
      currency: payout.currency,
      destination: payout.destination,
      transfer_group: payout.id,
      description: `Coursemint payout ${payout.id}`,
      metadata: { payoutId: payout.id, instructorId: payout.instructorId },
    },
    { idempotencyKey: `payout-${payout.id}` },
  );
  return { transferId: transfer.id };
};

/**
 * Claims every available, unclaimed earning of one instructor and currency for a new payout, and
 * records the payout with the claimed sum and an audit entry — one batch, so the amount is exactly
 * what was claimed and an earning can never be paid twice.
 */
async function createPayout(app: AppContext, instructorId: string, currency: string, stripeAccountId: string, t: number) {
  const id = createId("payout");
  await app.db.batch([
    app.db
      .update(instructorEarnings)
      .set({ payoutId: id })
      .where(and(eq(instructorEarnings.instructorId, instructorId), eq(instructorEarnings.currency, currency), isNull(instructorEarnings.payoutId), lte(instructorEarnings.availableAt, t))),
    app.db.insert(payouts).values({
      id,
      instructorId,
      amount: sql`(SELECT coalesce(sum(instructor_amount), 0) FROM instructor_earnings WHERE payout_id = ${id})`,
      currency,
      status: "pending",
      stripeAccountId,
      attempts: 0,
      createdAt: t,
      updatedAt: t,
    }),
    auditInsert(app, { actorId: null, action: "payout.created", targetType: "payout", targetId: id, metadata: { instructorId, currency } }),
  ]);
  return app.db.select().from(payouts).where(eq(payouts.id, id)).get();
}

async function attemptTransfer(app: AppContext, payout: Payout, transfer: TransferFn) {
  const log = app.logger.child({ payoutId: payout.id, userId: payout.instructorId });
  const t = now();
  if (payout.amount <= 0) {
    // Claimed entries that net to zero (e.g. a sale and its full reversal): settled, nothing to send.
    await app.db.update(payouts).set({ status: "paid", paidAt: t, updatedAt: t }).where(eq(payouts.id, payout.id)).run();
    return "settled";
  }
  try {
    const { transferId } = await transfer(app, {
      id: payout.id,
      amount: payout.amount,
      currency: payout.currency,
      destination: payout.stripeAccountId!,
      instructorId: payout.instructorId,
    });
    await app.db.batch([
      app.db
        .update(payouts)
        .set({ status: "paid", stripeTransferId: transferId, paidAt: t, attempts: payout.attempts + 1, failureMessage: null, updatedAt: t })
        .where(eq(payouts.id, payout.id)),
      auditInsert(app, { actorId: null, action: "payout.paid", targetType: "payout", targetId: payout.id, metadata: { instructorId: payout.instructorId, amount: payout.amount, currency: payout.currency, transferId } }),
    ]);
    log.info("payout.paid", { amount: payout.amount, currency: payout.currency, transferId });
    return "paid";
  } catch (error) {
    const message = error instanceof Error ? error.message.slice(0, 300) : "transfer failed";
    await app.db.batch([
      app.db.update(payouts).set({ status: "failed", attempts: payout.attempts + 1, failureMessage: message, updatedAt: t }).where(eq(payouts.id, payout.id)),
      auditInsert(app, { actorId: null, action: "payout.failed", targetType: "payout", targetId: payout.id, metadata: { instructorId: payout.instructorId, amount: payout.amount, attempt: payout.attempts + 1, message } }),
    ]);
    log.warn("payout.failed", { amount: payout.amount, currency: payout.currency, attempt: payout.attempts + 1, error: message });
    return "failed";
  }
}

/**
 * The payout cron job. First retries unfinished payouts (same payout id → same Stripe idempotency
 * key → at most one transfer), then pays every instructor with a payouts-enabled Connect account
 * the sum of their earnings that left the 30-day hold. Safe to run twice and to run late.
 */
export async function runPayouts(app: AppContext, transfer: TransferFn = stripeTransfer) {
  const t = now();
  const summary = { created: 0, paid: 0, failed: 0, settled: 0 };
  const unfinished = await app.db
    .select()
    .from(payouts)
    .where(and(inArray(payouts.status, ["pending", "failed"]), lt(payouts.attempts, MAX_PAYOUT_ATTEMPTS)))
    .all();
  for (const payout of unfinished) summary[await attemptTransfer(app, payout, transfer)] += 1;

  const due = await app.db
    .select({ instructorId: instructorEarnings.instructorId, currency: instructorEarnings.currency, account: instructorAccounts.stripeAccountId })
    .from(instructorEarnings)
    .innerJoin(instructorAccounts, and(eq(instructorAccounts.userId, instructorEarnings.instructorId), eq(instructorAccounts.payoutsEnabled, true)))
    .where(and(isNull(instructorEarnings.payoutId), lte(instructorEarnings.availableAt, t)))
    .groupBy(instructorEarnings.instructorId, instructorEarnings.currency)
    // A negative sum (a dispute recovery larger than what is available) is carried forward, never
    // settled as a zero payout: it waits until later earnings cover it.
    .having(sql`sum(${instructorEarnings.instructorAmount}) > 0`)
    .all();
  for (const group of due) {
    const payout = await createPayout(app, group.instructorId, group.currency, group.account, t);
    if (!payout) continue;
    summary.created += 1;
    summary[await attemptTransfer(app, payout, transfer)] += 1;
  }
  app.logger.info("payouts.run", summary);
  return summary;
}

export async function getPayoutAccount(app: AppContext, userId: string) {
  return app.db.select().from(instructorAccounts).where(eq(instructorAccounts.userId, userId)).get();
}

/**
 * Starts (or resumes) Stripe Connect onboarding for an instructor: one express account per
 * instructor (idempotency key from the user id), then an account link to Stripe's hosted form.
 */
export async function startPayoutOnboarding(app: AppContext, user: SessionUser, baseUrl: string) {
  if (!hasPermission(user, "update:payout-account:own")) throw AppError.forbidden("Only instructors can set up payouts.");
  const stripe = createStripe(app);
  let account = await getPayoutAccount(app, user.id);
  if (!account) {
    const created = await stripe.accounts.create(
      { type: "express", email: user.email, capabilities: { transfers: { requested: true } }, metadata: { userId: user.id } },
      { idempotencyKey: `connect-account-${user.id}` },
    );
    const t = now();
    await app.db.insert(instructorAccounts).values({ userId: user.id, stripeAccountId: created.id, payoutsEnabled: false, createdAt: t, updatedAt: t }).onConflictDoNothing().run();
    account = (await getPayoutAccount(app, user.id))!;
    app.logger.info("payouts.account_created", { userId: user.id, stripeAccountId: account.stripeAccountId });
  }
  const link = await stripe.accountLinks.create({
    account: account.stripeAccountId,
    type: "account_onboarding",
    refresh_url: `${baseUrl}/instructor?payouts=refresh`,
    return_url: `${baseUrl}/instructor?payouts=done`,
  });
  return link.url;
}

/** Re-reads the Connect account from Stripe and stores whether it can receive transfers. */
export async function refreshPayoutAccount(app: AppContext, userId: string) {
  const account = await getPayoutAccount(app, userId);
  if (!account) throw AppError.notFound("Payout account");
  const remote = await createStripe(app).accounts.retrieve(account.stripeAccountId);
  const enabled = remote.capabilities?.transfers === "active" && !!remote.payouts_enabled;
  await app.db.update(instructorAccounts).set({ payoutsEnabled: enabled, updatedAt: now() }).where(eq(instructorAccounts.userId, userId)).run();
  return { ...account, payoutsEnabled: enabled };
}

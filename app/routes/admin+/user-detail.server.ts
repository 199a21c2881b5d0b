import { desc, eq, inArray } from "drizzle-orm";
import type { AppContext } from "~/context.server";
import { AppError } from "~/utils/errors";
import { disputes, licenses, organizationMembers, organizations, payments, refunds, subscriptions, tokenWallets, users } from "~drizzle/schema";

/** How many of each kind of record the user page lists (newest first); the rest is one link away. */
export const USER_DETAIL_LIMIT = 20;

/**
 * Everything an admin checks about one person, read in ONE batch: the user, their payments,
 * refunds and disputes of those payments, subscriptions, reward-token wallet, organizations and
 * the licences of those organizations.
 */
export async function loadUserDetail(app: Pick<AppContext, "db">, userId: string) {
  if (!/^usr_[0-9a-z]{26}$/.test(userId)) throw AppError.notFound("User");
  const memberOrgs = app.db.select({ id: organizationMembers.organizationId }).from(organizationMembers).where(eq(organizationMembers.userId, userId));
  const [user, paid, refunded, disputed, subs, wallet, orgs, lics] = await app.db.batch([
    app.db.select({ id: users.id, name: users.name, email: users.email, role: users.role, createdAt: users.createdAt }).from(users).where(eq(users.id, userId)),
    app.db
      .select({ id: payments.id, description: payments.description, amount: payments.amount, amountRefunded: payments.amountRefunded, currency: payments.currency, status: payments.status, createdAt: payments.createdAt })
      .from(payments)
      .where(eq(payments.userId, userId))
      .orderBy(desc(payments.id))
      .limit(USER_DETAIL_LIMIT),
    app.db
      .select({ id: refunds.id, paymentId: refunds.paymentId, description: payments.description, amount: refunds.amount, currency: refunds.currency, status: refunds.status, reason: refunds.reason, createdAt: refunds.createdAt })
      .from(refunds)
      .innerJoin(payments, eq(payments.id, refunds.paymentId))
      .where(eq(payments.userId, userId))
      .orderBy(desc(refunds.id))
      .limit(USER_DETAIL_LIMIT),
    app.db
      .select({ id: disputes.id, paymentId: disputes.paymentId, description: payments.description, amount: disputes.amount, currency: disputes.currency, status: disputes.status, reason: disputes.reason, createdAt: disputes.stripeCreatedAt })
      .from(disputes)
      .innerJoin(payments, eq(payments.id, disputes.paymentId))
      .where(eq(disputes.userId, userId))
      .orderBy(desc(disputes.stripeCreatedAt))
      .limit(USER_DETAIL_LIMIT),
    app.db
      .select({ id: subscriptions.id, tier: subscriptions.tier, interval: subscriptions.interval, status: subscriptions.status, amount: subscriptions.amount, currency: subscriptions.currency, currentPeriodEnd: subscriptions.currentPeriodEnd, createdAt: subscriptions.createdAt })
      .from(subscriptions)
      .where(eq(subscriptions.userId, userId))
      .orderBy(desc(subscriptions.id))
      .limit(USER_DETAIL_LIMIT),
    app.db.select({ balance: tokenWallets.balance, held: tokenWallets.held, streak: tokenWallets.streak }).from(tokenWallets).where(eq(tokenWallets.userId, userId)),
    app.db
      .select({ id: organizations.id, name: organizations.name, role: organizationMembers.role })
      .from(organizationMembers)
      .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
      .where(eq(organizationMembers.userId, userId))
      .limit(USER_DETAIL_LIMIT),
    app.db
      .select({ id: licenses.id, organizationId: licenses.organizationId, organization: organizations.name, tier: licenses.tier, status: licenses.status, maxSeats: licenses.maxSeats, expiresAt: licenses.expiresAt })
      .from(licenses)
      .innerJoin(organizations, eq(organizations.id, licenses.organizationId))
      .where(inArray(licenses.organizationId, memberOrgs))
      .orderBy(desc(licenses.expiresAt))
      .limit(USER_DETAIL_LIMIT),
  ]);
  if (!user[0]) throw AppError.notFound("User");
  return { user: user[0], payments: paid, refunds: refunded, disputes: disputed, subscriptions: subs, wallet: wallet[0] ?? null, organizations: orgs, licenses: lics };
}

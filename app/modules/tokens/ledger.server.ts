import { and, desc, eq, lt, sql, type SQL } from "drizzle-orm";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { sendEmail } from "~/modules/email/email.server";
import { now } from "~/utils/clock";
import { withinUtcDays } from "~/utils/db.server";
import { AppError, parseOrThrow } from "~/utils/errors";
import { TOKEN_ENTRY_TYPES, tokenTransactions, users } from "~drizzle/schema";
import type { EarningCap, WalletEntry, WalletFailure } from "./contracts";
import { TOKEN_RULES } from "./config";
import { ensureProfile } from "./profiles.server";

/*
 * The ledger service (docs/tokens.md): routes, pages, cron and the payments capability call these;
 * each one asks the learner's TokenWallet Durable Object to do the write. Times come from the app
 * clock so tests can move them.
 */

export const walletFor = (app: Pick<AppContext, "env">, userId: string) => app.env.TOKEN_WALLET.get(app.env.TOKEN_WALLET.idFromName(userId));

/** Turns a wallet refusal into the API's typed error. */
export function unwrap<R extends { ok: true } | WalletFailure>(result: R): Extract<R, { ok: true }> {
  if (result.ok) return result as Extract<R, { ok: true }>;
  switch (result.code) {
    case "insufficient_balance":
      throw new AppError("conflict", result.message, { details: { reason: "insufficient_balance" } });
    case "limit_reached":
      throw new AppError("conflict", result.message, { details: { reason: "limit_reached" } });
    case "not_found":
      throw AppError.notFound("Hold");
    case "invalid":
      throw new AppError("bad_request", result.message);
    default:
      throw new AppError("conflict", result.message);
  }
}

/** Balance, held tokens, streak (as of today in the learner's zone), freezes and the last 28 days. */
export async function getWallet(app: AppContext, userId: string, request?: Request | null, days = 28) {
  const profile = await ensureProfile(app, userId, request);
  const snapshot = await walletFor(app, userId).snapshot({ userId, at: now(), timeZone: profile.timeZone, days });
  return { ...snapshot, timeZone: profile.timeZone, handle: profile.handle, hiddenFromBoards: profile.hiddenFromBoards };
}

export type Award = { userId: string; amount: number; reason: string; sourceKey: string; ref?: string | null; type?: "award" | "streak_bonus"; caps?: EarningCap[] };

/**
 * Credits a learning award (idempotent by source key) within its daily caps (the wallet cuts it to
 * what the caps leave, possibly 0) and sends the notable-award email.
 */
export async function awardTokens(app: AppContext, award: Award) {
  const result = unwrap(
    await walletFor(app, award.userId).credit({
      userId: award.userId,
      at: now(),
      type: award.type ?? "award",
      amount: award.amount,
      reason: award.reason,
      sourceKey: award.sourceKey,
      ref: award.ref ?? null,
      caps: award.caps ?? [],
    }),
  );
  const entry = result.entry;
  app.logger.info("tokens.awarded", { userId: award.userId, entryId: entry.id, amount: entry.amount, requested: award.amount, limitedBy: result.limitedBy, balanceAfter: entry.balanceAfter, sourceKey: award.sourceKey, replayed: result.replayed });
  if (!result.replayed && entry.amount >= TOKEN_RULES.notableAward) await notifyAward(app, entry);
  return result;
}

/** "You earned N tokens": at most one a day per learner (the email key is the learner and the UTC day). */
async function notifyAward(app: AppContext, entry: WalletEntry) {
  const user = await app.db.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, entry.userId)).get();
  if (!user) return;
  const day = new Date(entry.createdAt).toISOString().slice(0, 10);
  try {
    await sendEmail(app, {
      template: "tokens-awarded",
      to: user.email,
      idempotencyKey: `tokens-awarded/${entry.userId}/${day}`,
      data: { name: user.name, tokens: entry.amount, reason: entry.reason, balance: entry.balanceAfter, awardedAt: entry.createdAt, walletUrl: `${app.config.APP_URL}/wallet` },
    });
  } catch (error) {
    app.logger.warn("tokens.award_email_failed", { userId: entry.userId, entryId: entry.id, error });
  }
}

export const historyFilterSchema = z.object({
  type: z.enum(TOKEN_ENTRY_TYPES).optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  cursor: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

/** The learner's ledger from the D1 projection, newest first; `nextCursor` is the last entry's number. */
export async function history(app: Pick<AppContext, "db">, userId: string, input: unknown) {
  const filter = parseOrThrow(historyFilterSchema, input);
  const conditions: SQL[] = [eq(tokenTransactions.userId, userId), ...withinUtcDays(tokenTransactions.createdAt, filter.from, filter.to)];
  if (filter.type) conditions.push(eq(tokenTransactions.type, filter.type));
  if (filter.cursor) conditions.push(lt(tokenTransactions.seq, filter.cursor));
  const rows = await app.db
    .select()
    .from(tokenTransactions)
    .where(and(...conditions))
    .orderBy(desc(tokenTransactions.seq))
    .limit(filter.limit + 1)
    .all();
  const items = rows.slice(0, filter.limit).map(({ userId: _u, sourceKey: _s, ...rest }) => rest);
  return { items, nextCursor: rows.length > filter.limit ? String(items[items.length - 1]!.seq) : null };
}

/** Projects the learner's pending entries now (history right after a write; tests). */
export async function flushWallet(app: Pick<AppContext, "env">, userId: string) {
  return walletFor(app, userId).flush();
}

/** The JSON shape of `GET /api/tokens/balance`. */
export function balanceView(w: Awaited<ReturnType<typeof getWallet>>) {
  return {
    balance: w.balance,
    held: w.held,
    streak: {
      current: w.streak,
      longest: w.longestStreak,
      activeToday: w.activeToday,
      atRisk: w.atRisk,
      lastActiveDay: w.lastActiveDay,
      today: w.today,
      timeZone: w.timeZone,
      days: w.calendar,
    },
    freezes: { held: w.freezes, max: TOKEN_RULES.streakFreeze.maxHeld, price: TOKEN_RULES.streakFreeze.price },
  };
}

/** The balance for the navigation bar; null (and logged) if the wallet cannot be reached, so pages still render. */
export async function navBalance(app: AppContext, userId: string): Promise<number | null> {
  try {
    return (await walletFor(app, userId).balance({ userId })).balance;
  } catch (error) {
    app.logger.warn("tokens.nav_balance_failed", { userId, error });
    return null;
  }
}

/**
 * Token metrics from the D1 projection: awarded and redeemed (all time and in the window) and
 * outstanding (available + held across all wallets: the platform's liability).
 */
export async function tokenMetrics(app: Pick<AppContext, "db">, since: number) {
  const [totals, outstanding] = await Promise.all([
    app.db.get<{ awarded: number; redeemed: number; awardedInWindow: number; redeemedInWindow: number }>(sql`
      select
        coalesce(sum(case when type in ('award', 'streak_bonus') or (type = 'admin_adjust' and amount > 0) then amount end), 0) as awarded,
        coalesce(sum(case when type = 'redeem' then -amount - held_delta end), 0) as redeemed,
        coalesce(sum(case when created_at >= ${since} and (type in ('award', 'streak_bonus') or (type = 'admin_adjust' and amount > 0)) then amount end), 0) as awardedInWindow,
        coalesce(sum(case when created_at >= ${since} and type = 'redeem' then -amount - held_delta end), 0) as redeemedInWindow
      from token_transactions`),
    app.db.get<{ wallets: number; available: number; held: number }>(
      sql`select count(*) as wallets, coalesce(sum(balance), 0) as available, coalesce(sum(held), 0) as held from token_wallets`,
    ),
  ]);
  return {
    awarded: totals?.awarded ?? 0,
    redeemed: totals?.redeemed ?? 0,
    awardedInWindow: totals?.awardedInWindow ?? 0,
    redeemedInWindow: totals?.redeemedInWindow ?? 0,
    wallets: outstanding?.wallets ?? 0,
    outstanding: (outstanding?.available ?? 0) + (outstanding?.held ?? 0),
    held: outstanding?.held ?? 0,
  };
}

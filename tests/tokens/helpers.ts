import { env } from "cloudflare:test";
import { eq, sql } from "drizzle-orm";
import { ensureProfile } from "~/modules/tokens/profiles.server";
import { createId } from "~/utils/ids";
import { tokenTransactions } from "~drizzle/schema";
import { createAppContext } from "../../workers/app";
import { db } from "../helpers";

export const app = () => createAppContext(env, { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext, createId("request"));

export const wallet = (userId: string) => env.TOKEN_WALLET.get(env.TOKEN_WALLET.idFromName(userId));
export const leaderboard = (name: string) => env.LEADERBOARD.get(env.LEADERBOARD.idFromName(name));

/** Credits `amount` straight through the wallet (the unit under test in most files). */
export async function credit(userId: string, amount: number, sourceKey = `test:${crypto.randomUUID()}`, at = Date.now(), ref: string | null = null) {
  const result = await wallet(userId).credit({ userId, at, type: "award", amount, reason: "Test award", sourceKey, ref });
  if (!result.ok) throw new Error(result.message);
  return result;
}

/** Flushes the wallet's outbox to D1 and returns the projection's sums for the user. */
export async function projected(userId: string) {
  await wallet(userId).flush();
  const row = await db()
    .select({ n: sql<number>`count(*)`, amount: sql<number>`coalesce(sum(${tokenTransactions.amount}), 0)`, held: sql<number>`coalesce(sum(${tokenTransactions.heldDelta}), 0)` })
    .from(tokenTransactions)
    .where(eq(tokenTransactions.userId, userId))
    .get();
  return row!;
}

/** The learner's profile (created on first use, as the app does): its handle is what boards show. */
export const profileOf = (userId: string) => ensureProfile(app(), userId);

export const patchJson = (body: unknown): RequestInit => ({ method: "PATCH", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });

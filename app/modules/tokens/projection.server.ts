import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { createDb } from "~/utils/db.server";
import { tokenTransactions, tokenWallets } from "~drizzle/schema";
import type { ScoreItem, WalletEntry } from "./contracts";
import { boardName, SCORING_TYPES } from "./periods";

/*
 * The wallet's outbox, drained by its alarm (docs/decisions/004-token-ledger.md): entries not yet
 * projected are copied to D1 (`token_transactions`, keyed by entry id, so a retry after a crash
 * writes nothing twice) together with the wallet's latest state, then marked projected in the
 * wallet's own storage. Entries not yet pushed to the leaderboards are then sent in one batch per
 * board; a board skips entries it has already counted (by the wallet's entry number).
 */

type MetaView = { user_id: string; balance: number; held: number; streak: number; longest_streak: number; freezes: number; hidden: number; pushed_seq: number };

export type ProjectionIO = {
  userId: string;
  readMeta(): MetaView;
  pending(limit: number): WalletEntry[];
  markProjected(upToSeq: number): void;
  unpushed(afterSeq: number, limit: number): WalletEntry[];
  markPushed(upToSeq: number): void;
  lastSeq(): number;
};

const BATCH = 200;
/** D1 allows 100 bound parameters per statement; a row has 12 columns. */
const ROWS_PER_INSERT = 8;

export async function projectWallet(env: Env, io: ProjectionIO): Promise<{ projected: number; pushed: number }> {
  const db = createDb(env.DB);
  let projected = 0;
  const pending = io.pending(BATCH);
  if (pending.length > 0) {
    const meta = io.readMeta();
    const statements: BatchItem<"sqlite">[] = [];
    for (let i = 0; i < pending.length; i += ROWS_PER_INSERT) {
      statements.push(db.insert(tokenTransactions).values(pending.slice(i, i + ROWS_PER_INSERT).map(toRow)).onConflictDoNothing());
    }
    const lastSeq = io.lastSeq();
    const state = { balance: meta.balance, held: meta.held, streak: meta.streak, longestStreak: meta.longest_streak, freezes: meta.freezes, lastSeq, updatedAt: Date.now() };
    statements.push(
      db
        .insert(tokenWallets)
        .values({ userId: io.userId, ...state })
        .onConflictDoUpdate({ target: tokenWallets.userId, set: state, setWhere: sql`${tokenWallets.lastSeq} < ${lastSeq}` }),
    );
    await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    io.markProjected(pending[pending.length - 1]!.seq);
    projected = pending.length;
  }

  const meta = io.readMeta();
  const unpushed = io.unpushed(meta.pushed_seq, BATCH * 2);
  if (unpushed.length > 0) {
    const boards = new Map<string, ScoreItem[]>();
    for (const e of unpushed) {
      if (!SCORING_TYPES.has(e.type) || e.amount === 0) continue;
      const item = { seq: e.seq, delta: e.amount, at: e.createdAt };
      for (const name of [boardName("all", e.createdAt), boardName("week", e.createdAt)]) {
        const items = boards.get(name) ?? [];
        items.push(item);
        boards.set(name, items);
      }
    }
    await Promise.all(
      [...boards].map(([name, items]) => env.LEADERBOARD.get(env.LEADERBOARD.idFromName(name)).apply([{ userId: io.userId, hidden: !!meta.hidden, items }])),
    );
    io.markPushed(unpushed[unpushed.length - 1]!.seq);
  }
  return { projected, pushed: unpushed.length };
}

const toRow = (e: WalletEntry) => ({
  id: e.id,
  userId: e.userId,
  seq: e.seq,
  type: e.type,
  amount: e.amount,
  heldDelta: e.heldDelta,
  balanceAfter: e.balanceAfter,
  heldAfter: e.heldAfter,
  reason: e.reason,
  sourceKey: e.sourceKey,
  ref: e.ref,
  createdAt: e.createdAt,
});

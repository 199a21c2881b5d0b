import type { TokenEntryType } from "~drizzle/schema/tokens";
import type { Day } from "./streak";

/*
 * What the tokens module and its two Durable Objects (workers/durable-objects/token-wallet.ts and
 * leaderboard.ts) exchange over RPC. The types live here, with the module, so that the objects
 * import the module and never the other way round (scripts/check-cycles.mjs enforces it).
 */

export type WalletEntry = {
  id: string;
  seq: number;
  userId: string;
  type: TokenEntryType;
  amount: number;
  heldDelta: number;
  balanceAfter: number;
  heldAfter: number;
  reason: string;
  sourceKey: string;
  ref: string | null;
  createdAt: number;
};

/** A daily cap on learning awards, counted by the wallet per UTC day and bucket (REWARD_POLICY). `label` goes into the entry's reason. */
export type EarningCap = { bucket: string; max: number; label: string };

export type WalletFailure = { ok: false; code: "insufficient_balance" | "limit_reached" | "not_found" | "conflict" | "invalid"; message: string };
export type WalletOk<T> = { ok: true; replayed: boolean } & T;
export type WalletResult<T> = WalletOk<T> | WalletFailure;

export type WalletSnapshot = {
  userId: string;
  balance: number;
  held: number;
  freezes: number;
  streak: number;
  longestStreak: number;
  lastActiveDay: Day | null;
  activeToday: boolean;
  atRisk: boolean;
  today: Day;
  /** Days of the last `days` covered by the streak record: learning or a freeze. */
  calendar: { day: Day; kind: "active" | "frozen" | "none" }[];
  hidden: boolean;
  lastSeq: number;
};

export type HoldRow = { id: string; amount: number; returned: number; status: "held" | "captured" | "released" | "returned"; ref: string; created_at: number };

/** One ledger entry's effect on a member's score; `seq` is the wallet's entry number (dedupe). */
export type ScoreItem = { seq: number; delta: number; at: number };
export type ScoreUpdate = { userId: string; hidden: boolean; items: ScoreItem[] };
export type RankedMember = { userId: string; score: number; reachedAt: number; rank: number };

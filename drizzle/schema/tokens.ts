import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { epochMs, flag } from "./columns";

/**
 * Reward tokens (docs/tokens.md). The TokenWallet Durable Object is the system of record for a
 * learner's ledger, balance and streak; these tables are its read projection in D1 (history pages,
 * admin search, metrics), written by the wallet's outbox alarm (docs/decisions/004-token-ledger.md).
 */
export const TOKEN_ENTRY_TYPES = ["award", "streak_bonus", "redeem", "hold", "release", "clawback", "admin_adjust"] as const;
export type TokenEntryType = (typeof TOKEN_ENTRY_TYPES)[number];

/** One ledger entry, copied from the wallet. `amount` moves the available balance, `held_delta` the held one. */
export const tokenTransactions = sqliteTable(
  "token_transactions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Position in the user's wallet (1, 2, 3, ...): history cursors and projection order. */
    seq: integer("seq").notNull(),
    type: text("type", { enum: TOKEN_ENTRY_TYPES }).notNull(),
    amount: integer("amount").notNull(),
    heldDelta: integer("held_delta").notNull(),
    balanceAfter: integer("balance_after").notNull(),
    heldAfter: integer("held_after").notNull(),
    reason: text("reason").notNull(),
    sourceKey: text("source_key").notNull(),
    /** What the entry is about: `course:<id>`, `payment:<id>`, `hold:<id>`, `freeze`. */
    ref: text("ref"),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("token_transactions_user_seq_unique").on(t.userId, t.seq),
    uniqueIndex("token_transactions_user_source_unique").on(t.userId, t.sourceKey),
    index("token_transactions_user_type_seq_idx").on(t.userId, t.type, t.seq),
    index("token_transactions_type_created_idx").on(t.type, t.createdAt),
  ],
);

/** The latest wallet state per user (projected with the entries; `last_seq` guards against going back). */
export const tokenWallets = sqliteTable("token_wallets", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  balance: integer("balance").notNull(),
  held: integer("held").notNull(),
  streak: integer("streak").notNull(),
  longestStreak: integer("longest_streak").notNull(),
  freezes: integer("freezes").notNull(),
  lastSeq: integer("last_seq").notNull(),
  updatedAt: epochMs("updated_at").notNull(),
});

/** A learner's public handle, time zone (streak days) and leaderboard visibility. */
export const learnerProfiles = sqliteTable("learner_profiles", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  handle: text("handle").notNull().unique(),
  /** IANA zone, e.g. "Europe/Paris"; defaults to the zone of the request that created the profile. */
  timeZone: text("time_zone").notNull(),
  hiddenFromBoards: flag("hidden_from_boards").notNull().default(false),
  createdAt: epochMs("created_at").notNull(),
  updatedAt: epochMs("updated_at").notNull(),
});

/** Who follows whom (friends leaderboard). */
export const follows = sqliteTable(
  "follows",
  {
    followerId: text("follower_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    followeeId: text("followee_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.followerId, t.followeeId] }), index("follows_followee_idx").on(t.followeeId)],
);

/** Positions of background sweeps (e.g. the last `course_completed` learning event awarded). */
export const tokenCursors = sqliteTable("token_cursors", {
  name: text("name").primaryKey(),
  value: text("value").notNull(),
  updatedAt: epochMs("updated_at").notNull(),
});

export const TOKEN_AWARD_REQUEST_STATUSES = ["pending", "approved", "rejected"] as const;
export type TokenAwardRequestStatus = (typeof TOKEN_AWARD_REQUEST_STATUSES)[number];

/**
 * An admin award above REWARD_POLICY.adminApprovalAbove, waiting for a second admin. The decider is
 * never the requester nor the recipient (CHECKs, besides the service's own refusal); an approval
 * claims the row (`pending` → `approved`) before the wallet is credited with source key
 * `admin_award:<id>`, so two approvals credit once and a retry after a failed credit finishes it.
 */
export const tokenAwardRequests = sqliteTable(
  "token_award_requests",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    amount: integer("amount").notNull(),
    reason: text("reason").notNull(),
    requestedBy: text("requested_by")
      .notNull()
      .references(() => users.id),
    /** The requester's Idempotency-Key (or request id): one request per key. */
    requestKey: text("request_key").notNull(),
    status: text("status", { enum: TOKEN_AWARD_REQUEST_STATUSES }).notNull().default("pending"),
    decidedBy: text("decided_by").references(() => users.id),
    decidedAt: epochMs("decided_at"),
    /** The wallet entry the approval wrote (null until the credit is confirmed). */
    entryId: text("entry_id"),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("token_award_requests_requester_key_unique").on(t.requestedBy, t.requestKey),
    index("token_award_requests_status_created_idx").on(t.status, t.createdAt),
    check("token_award_requests_not_self", sql`${t.userId} <> ${t.requestedBy}`),
    check("token_award_requests_second_admin", sql`${t.decidedBy} IS NULL OR (${t.decidedBy} <> ${t.requestedBy} AND ${t.decidedBy} <> ${t.userId}) OR ${t.status} = 'rejected'`),
  ],
);

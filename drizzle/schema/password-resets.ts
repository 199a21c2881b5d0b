import { index, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { epochMs } from "./columns";

/**
 * A "forgot your password?" link (app/modules/auth/password-reset.server.ts). The link's token is
 * stored as its SHA-256 only. Used once: `usedAt` is set by the conditional UPDATE that claims it,
 * in the same batch that changes the password; `revokedAt` marks the user's other open links, which
 * that reset ends. The cron deletes rows a day after they expired.
 */
export const passwordResets = sqliteTable(
  "password_resets",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    createdAt: epochMs("created_at").notNull(),
    expiresAt: epochMs("expires_at").notNull(),
    usedAt: epochMs("used_at"),
    /** The session the reset signed in: set by the claim, so the batch's other statements see who won. */
    sessionId: text("session_id"),
    /** Ended unused because another link of the same user reset the password first. */
    revokedAt: epochMs("revoked_at"),
  },
  (t) => [
    uniqueIndex("password_resets_token_hash_unique").on(t.tokenHash),
    index("password_resets_user_created_idx").on(t.userId, t.createdAt),
    index("password_resets_expires_idx").on(t.expiresAt),
  ],
);

import { DurableObject } from "cloudflare:workers";
import type { RankedMember, ScoreUpdate } from "~/modules/tokens/contracts";

/*
 * One ranked board for one period (`all`, `week:2026-11-23`), fed in batches by the wallets
 * (docs/decisions/004-token-ledger.md). Ties go to whoever reached the score first.
 *
 * Rank lookups never scan every member: visible members are counted per exact score and per
 * bucket of 1,024 scores, so "how many are ahead of me" is a sum over at most a few thousand
 * count rows plus an index range over the members tied on my score.
 */

const BUCKET_SHIFT = 10;
const bucketOf = (score: number) => Math.floor(score / (1 << BUCKET_SHIFT));

type MemberRow = { user_id: string; score: number; reached_at: number; hidden: number; last_seq: number };

export class Leaderboard extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS members (
        user_id TEXT PRIMARY KEY,
        score INTEGER NOT NULL CHECK (score >= 0),
        reached_at INTEGER NOT NULL,
        hidden INTEGER NOT NULL DEFAULT 0,
        last_seq INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS members_rank_idx ON members (hidden, score DESC, reached_at, user_id);
      CREATE TABLE IF NOT EXISTS score_counts (score INTEGER PRIMARY KEY, n INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS bucket_counts (bucket INTEGER PRIMARY KEY, n INTEGER NOT NULL);
    `);
  }

  /** Applies score changes; items a member already has (seq ≤ its last seq) are skipped. */
  apply(updates: ScoreUpdate[]): { changed: number } {
    let changed = 0;
    this.ctx.storage.transactionSync(() => {
      for (const update of updates) if (this.applyOne(update)) changed++;
    });
    return { changed };
  }

  /** Shows or hides a member on this board. */
  setHidden(userId: string, hidden: boolean): void {
    this.ctx.storage.transactionSync(() => {
      const m = this.member(userId);
      if (!m || !!m.hidden === hidden) return;
      if (!m.hidden) this.count(m.score, -1);
      if (!hidden) this.count(m.score, +1);
      this.sql.exec("UPDATE members SET hidden = ? WHERE user_id = ?", hidden ? 1 : 0, userId);
    });
  }

  /** The top `limit` visible members, best first. */
  top(limit: number, offset = 0): RankedMember[] {
    const rows = this.sql
      .exec<MemberRow>(
        "SELECT user_id, score, reached_at FROM members WHERE hidden = 0 ORDER BY score DESC, reached_at, user_id LIMIT ? OFFSET ?",
        Math.min(Math.max(limit, 0), 1000),
        Math.max(offset, 0),
      )
      .toArray();
    return rows.map((r, i) => ({ userId: r.user_id, score: r.score, reachedAt: r.reached_at, rank: offset + i + 1 }));
  }

  /** One member's rank among visible members (null when absent or hidden). */
  rankOf(userId: string): RankedMember | null {
    const m = this.member(userId);
    if (!m || m.hidden) return null;
    return { userId, score: m.score, reachedAt: m.reached_at, rank: this.ahead(m) + 1 };
  }

  /** Scores of the given users (absent users score 0), visible or not; the caller ranks them. */
  scoresOf(userIds: string[]): { userId: string; score: number; reachedAt: number | null; hidden: boolean }[] {
    return userIds.slice(0, 500).map((userId) => {
      const m = this.member(userId);
      return { userId, score: m?.score ?? 0, reachedAt: m?.reached_at ?? null, hidden: !!m?.hidden };
    });
  }

  /** Visible members on the board. */
  size(): number {
    return this.sql.exec<{ n: number }>("SELECT coalesce(sum(n), 0) AS n FROM bucket_counts").one().n;
  }

  private member(userId: string): MemberRow | null {
    return this.sql.exec<MemberRow>("SELECT * FROM members WHERE user_id = ?", userId).toArray()[0] ?? null;
  }

  private ahead(m: MemberRow): number {
    const bucket = bucketOf(m.score);
    const higherBuckets = this.sql.exec<{ n: number }>("SELECT coalesce(sum(n), 0) AS n FROM bucket_counts WHERE bucket > ?", bucket).one().n;
    const higherInBucket = this.sql
      .exec<{ n: number }>("SELECT coalesce(sum(n), 0) AS n FROM score_counts WHERE score > ? AND score < ?", m.score, (bucket + 1) * (1 << BUCKET_SHIFT))
      .one().n;
    const tiedBefore = this.sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM members WHERE hidden = 0 AND score = ? AND (reached_at < ? OR (reached_at = ? AND user_id < ?))",
        m.score,
        m.reached_at,
        m.reached_at,
        m.user_id,
      )
      .one().n;
    return higherBuckets + higherInBucket + tiedBefore;
  }

  private count(score: number, by: 1 | -1) {
    this.sql.exec("INSERT INTO score_counts (score, n) VALUES (?, ?) ON CONFLICT (score) DO UPDATE SET n = n + excluded.n", score, by);
    this.sql.exec("INSERT INTO bucket_counts (bucket, n) VALUES (?, ?) ON CONFLICT (bucket) DO UPDATE SET n = n + excluded.n", bucketOf(score), by);
  }

  private applyOne({ userId, hidden, items }: ScoreUpdate): boolean {
    const m = this.member(userId);
    const lastSeq = m?.last_seq ?? 0;
    const fresh = items.filter((i) => i.seq > lastSeq).sort((a, b) => a.seq - b.seq);
    if (fresh.length === 0) return false;
    const delta = fresh.reduce((sum, i) => sum + i.delta, 0);
    const oldScore = m?.score ?? 0;
    const score = Math.max(0, oldScore + delta);
    const reachedAt = score !== oldScore || !m ? fresh[fresh.length - 1]!.at : m.reached_at;
    const maxSeq = fresh[fresh.length - 1]!.seq;
    if (m && !m.hidden) this.count(oldScore, -1);
    if (!hidden) this.count(score, +1);
    this.sql.exec(
      `INSERT INTO members (user_id, score, reached_at, hidden, last_seq) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET score = excluded.score, reached_at = excluded.reached_at, hidden = excluded.hidden, last_seq = excluded.last_seq`,
      userId,
      score,
      reachedAt,
      hidden ? 1 : 0,
      maxSeq,
    );
    return true;
  }
}

import { DurableObject } from "cloudflare:workers";
import { projectWallet } from "~/modules/tokens/projection.server";
import { streakBonusFor } from "~/modules/tokens/config";
import { applyActivity, currentStreak, dayFromNumber, localDay, MAX_FREEZES } from "~/modules/tokens/streak";
import { Logger } from "~/modules/observability/logger";
import { createId } from "~/utils/ids";
import type { TokenEntryType } from "~drizzle/schema/tokens";
import type { EarningCap, HoldRow, WalletEntry, WalletFailure, WalletResult, WalletSnapshot } from "~/modules/tokens/contracts";

/*
 * One learner's token wallet (docs/tokens.md, docs/decisions/004-token-ledger.md): the only writer
 * of that learner's ledger, balance, holds and streak. Every method body runs its checks and
 * writes synchronously inside one storage transaction, so concurrent calls are serialized and the
 * balance can never go negative. Every entry has a source key with a UNIQUE constraint: a repeated
 * call returns the first entry and writes nothing. New entries are projected to D1 by the alarm.
 * Learning awards may carry daily caps (REWARD_POLICY): the wallet counts what it paid per UTC day
 * and bucket in the same transaction, so concurrent awards can never pass a cap together.
 */

type MetaRow = {
  user_id: string;
  balance: number;
  held: number;
  streak: number;
  longest_streak: number;
  last_active_day: string | null;
  freezes: number;
  hidden: number;
  pushed_seq: number;
};
type EntryRow = {
  seq: number;
  id: string;
  type: TokenEntryType;
  amount: number;
  held_delta: number;
  balance_after: number;
  held_after: number;
  reason: string;
  source_key: string;
  ref: string | null;
  created_at: number;
  projected: number;
};

type Base = { userId: string; at: number };
type NewEntry = { type: TokenEntryType; amount: number; heldDelta?: number; reason: string; sourceKey: string; ref?: string | null; at: number };

class Refused extends Error {
  constructor(readonly failure: WalletFailure) {
    super(failure.message);
  }
}
const refuse = (code: WalletFailure["code"], message: string): never => {
  throw new Refused({ ok: false, code, message });
};

const PROJECTION_RETRY_MS = 15_000;
/** Entries are projected in batches: the alarm fires this long after the first unprojected write. */
const PROJECTION_DELAY_MS = 250;

export class TokenWallet extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly log: Logger;
  /** This instance has scheduled the projection alarm (memory only: after a restart it is set again). */
  private alarmScheduled = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.log = new Logger({ component: "token-wallet" }, (env.LOG_LEVEL as "info") ?? "info");
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        user_id TEXT NOT NULL,
        balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
        held INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0),
        streak INTEGER NOT NULL DEFAULT 0,
        longest_streak INTEGER NOT NULL DEFAULT 0,
        last_active_day TEXT,
        freezes INTEGER NOT NULL DEFAULT 0 CHECK (freezes >= 0),
        hidden INTEGER NOT NULL DEFAULT 0,
        pushed_seq INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE IF NOT EXISTS entries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        amount INTEGER NOT NULL,
        held_delta INTEGER NOT NULL DEFAULT 0,
        balance_after INTEGER NOT NULL,
        held_after INTEGER NOT NULL,
        reason TEXT NOT NULL,
        source_key TEXT NOT NULL UNIQUE,
        ref TEXT,
        created_at INTEGER NOT NULL,
        projected INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS entries_unprojected_idx ON entries (seq) WHERE projected = 0;
      CREATE INDEX IF NOT EXISTS entries_ref_idx ON entries (ref, type);
      CREATE TABLE IF NOT EXISTS holds (
        id TEXT PRIMARY KEY,
        amount INTEGER NOT NULL CHECK (amount > 0),
        returned INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        ref TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        settled_at INTEGER
      );
      CREATE TABLE IF NOT EXISTS streak_days (day TEXT PRIMARY KEY, kind TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS daily_earnings (
        day TEXT NOT NULL,
        bucket TEXT NOT NULL,
        amount INTEGER NOT NULL CHECK (amount >= 0),
        PRIMARY KEY (day, bucket)
      );
    `);
  }

  // ---- earning ---------------------------------------------------------------------------

  /**
   * Credits a positive amount (learning award, streak bonus, admin award). With `caps`, the amount
   * paid is cut to what is left of each cap today (UTC), possibly to 0: the entry is still written,
   * with the reason saying so, so the same source never pays later. `requested` is what was asked.
   */
  async credit(input: Base & { type: "award" | "streak_bonus" | "admin_adjust"; amount: number; reason: string; sourceKey: string; ref?: string | null; caps?: EarningCap[] }) {
    return this.run(input.userId, () => {
      assertAmount(input.amount);
      if (!["award", "streak_bonus", "admin_adjust"].includes(input.type)) refuse("invalid", "Only awards, streak bonuses and admin awards are credits.");
      if (input.caps?.length && input.type === "admin_adjust") refuse("invalid", "Daily caps apply to learning awards only.");
      const existing = this.bySource(input.sourceKey);
      if (existing) return { entry: existing, replayed: true, requested: input.amount, limitedBy: null };
      return { ...this.cappedWrite({ ...input, caps: input.caps ?? [] }), requested: input.amount };
    });
  }

  /** Admin adjustment with a signed amount; a debit larger than the balance is refused. */
  async adjust(input: Base & { amount: number; reason: string; sourceKey: string }) {
    return this.run(input.userId, () => {
      if (!Number.isSafeInteger(input.amount) || input.amount === 0) refuse("invalid", "The amount must be a non-zero whole number.");
      return this.write({ type: "admin_adjust", amount: input.amount, reason: input.reason, sourceKey: input.sourceKey, at: input.at });
    });
  }

  /**
   * Records learning activity at `at` in the learner's `timeZone`: extends, keeps (with freezes)
   * or restarts the streak. With `payBonus`, the day's streak bonus is credited once (within
   * `caps`): on the first activity of the day, or on a later one if the first could not pay it
   * (learning that earns nothing keeps the streak but pays no bonus).
   */
  async recordActivity(input: Base & { timeZone: string; payBonus?: boolean; caps?: EarningCap[] }) {
    return this.run(input.userId, (meta) => {
      const day = localDay(input.at, input.timeZone);
      const outcome = applyActivity({ streak: meta.streak, longest: meta.longest_streak, lastActiveDay: meta.last_active_day, freezes: meta.freezes }, day);
      let bonus: WalletEntry | null = null;
      let wrote = false;
      if (outcome.newDay) {
        this.sql.exec("INSERT OR IGNORE INTO streak_days (day, kind) VALUES (?, 'active')", day);
        for (const frozen of outcome.frozenDays) this.sql.exec("INSERT OR IGNORE INTO streak_days (day, kind) VALUES (?, 'frozen')", frozen);
        const s = outcome.state;
        this.sql.exec("UPDATE meta SET streak = ?, longest_streak = ?, last_active_day = ?, freezes = ? WHERE id = 1", s.streak, s.longest, s.lastActiveDay, s.freezes);
        wrote = true;
        this.log.info("tokens.streak_updated", { userId: input.userId, day, streak: s.streak, frozenDays: outcome.frozenDays, reset: outcome.reset, bonus: outcome.bonus });
      }
      const state = outcome.state;
      const amount = state.lastActiveDay === day ? streakBonusFor(state.streak) : 0;
      if (input.payBonus !== false && amount > 0) {
        const sourceKey = `streak:${day}`;
        // Paid earlier today: `bonus` is only what this activity pays.
        if (!this.bySource(sourceKey)) {
          bonus = this.cappedWrite({ type: "streak_bonus", amount, reason: `${state.streak}-day learning streak`, sourceKey, at: input.at, caps: input.caps ?? [] }).entry;
          wrote = true;
        }
      }
      return { replayed: !wrote, day, streak: state.streak, frozenDays: outcome.frozenDays, reset: outcome.reset, bonus };
    });
  }

  // ---- spending --------------------------------------------------------------------------

  /** Buys one streak freeze (at most MAX_FREEZES held). */
  async buyFreeze(input: Base & { price: number; sourceKey: string }) {
    return this.run(input.userId, (meta) => {
      assertAmount(input.price);
      const existing = this.bySource(input.sourceKey);
      if (existing) return { entry: existing, replayed: true, freezes: meta.freezes };
      if (meta.freezes >= MAX_FREEZES) refuse("limit_reached", `You already hold ${MAX_FREEZES} streak freezes, the most allowed.`);
      const { entry } = this.write({ type: "redeem", amount: -input.price, reason: "Streak freeze", sourceKey: input.sourceKey, ref: "freeze", at: input.at });
      this.sql.exec("UPDATE meta SET freezes = freezes + 1 WHERE id = 1");
      return { entry, replayed: false, freezes: meta.freezes + 1 };
    });
  }

  /** Moves `amount` from available to held for a purchase (idempotent per hold id). */
  async hold(input: Base & { holdId: string; amount: number; reason: string; ref: string }) {
    return this.run(input.userId, () => {
      assertAmount(input.amount);
      const existing = this.holdRow(input.holdId);
      if (existing) return { hold: existing, replayed: true };
      this.write({ type: "hold", amount: -input.amount, heldDelta: input.amount, reason: input.reason, sourceKey: `hold:${input.holdId}`, ref: input.ref, at: input.at });
      this.sql.exec("INSERT INTO holds (id, amount, status, ref, created_at) VALUES (?, ?, 'held', ?, ?)", input.holdId, input.amount, input.ref, input.at);
      return { hold: this.holdRow(input.holdId)!, replayed: false };
    });
  }

  /** The purchase succeeded: the held tokens are spent. */
  async captureHold(input: Base & { holdId: string; reason: string }) {
    return this.run(input.userId, (meta) => {
      const hold = this.holdRow(input.holdId) ?? refuse("not_found", "Hold not found.");
      if (hold.status === "captured" || hold.status === "returned") return { hold, replayed: true, shortfall: 0 };
      if (hold.status === "released") {
        // Paid after all (a retry after a failure, a late success): spend the tokens again, as far as they go.
        const take = Math.min(hold.amount, meta.balance);
        this.write({ type: "redeem", amount: -take, reason: input.reason, sourceKey: `capture:${hold.id}`, ref: hold.ref, at: input.at });
        this.settle(hold.id, "captured", input.at);
        if (take < hold.amount) this.log.warn("tokens.capture_shortfall", { userId: input.userId, holdId: hold.id, shortfall: hold.amount - take });
        return { hold: this.holdRow(hold.id)!, replayed: false, shortfall: hold.amount - take };
      }
      this.write({ type: "redeem", amount: 0, heldDelta: -hold.amount, reason: input.reason, sourceKey: `capture:${hold.id}`, ref: hold.ref, at: input.at });
      this.settle(hold.id, "captured", input.at);
      return { hold: this.holdRow(hold.id)!, replayed: false, shortfall: 0 };
    });
  }

  /** The purchase failed, expired or was cancelled: the held tokens go back. */
  async releaseHold(input: Base & { holdId: string; reason: string }) {
    return this.run(input.userId, () => {
      const hold = this.holdRow(input.holdId) ?? refuse("not_found", "Hold not found.");
      if (hold.status !== "held") return { hold, replayed: true };
      this.write({ type: "release", amount: hold.amount, heldDelta: -hold.amount, reason: input.reason, sourceKey: `release:${hold.id}`, ref: hold.ref, at: input.at });
      this.settle(hold.id, "released", input.at);
      return { hold: this.holdRow(hold.id)!, replayed: false };
    });
  }

  /**
   * The purchase was refunded: return the captured tokens up to `returnTotal` in all (a partial
   * refund returns its share; the service computes the total due). Idempotent per refund key.
   */
  async returnHold(input: Base & { holdId: string; returnTotal: number; refundKey: string; reason: string }) {
    return this.run(input.userId, () => {
      const hold = this.holdRow(input.holdId) ?? refuse("not_found", "Hold not found.");
      const sourceKey = `return:${hold.id}:${input.refundKey}`;
      const existing = this.bySource(sourceKey);
      if (existing) return { hold, entry: existing, replayed: true };
      if (hold.status === "held") {
        // Refunded before the capture was recorded: give everything back.
        const { entry } = this.write({ type: "release", amount: hold.amount, heldDelta: -hold.amount, reason: input.reason, sourceKey, ref: hold.ref, at: input.at });
        this.settle(hold.id, "released", input.at);
        return { hold: this.holdRow(hold.id)!, entry, replayed: false };
      }
      if (hold.status === "released") return { hold, entry: null, replayed: true };
      const due = Math.min(hold.amount, Math.max(0, Math.floor(input.returnTotal))) - hold.returned;
      if (due <= 0) return { hold, entry: null, replayed: true };
      const { entry } = this.write({ type: "release", amount: due, reason: input.reason, sourceKey, ref: hold.ref, at: input.at });
      const returned = hold.returned + due;
      this.sql.exec("UPDATE holds SET returned = ?, status = ?, settled_at = ? WHERE id = ?", returned, returned >= hold.amount ? "returned" : "captured", input.at, hold.id);
      return { hold: this.holdRow(hold.id)!, entry, replayed: false };
    });
  }

  /**
   * Takes back what `ref` earned (learning awards), minus earlier clawbacks, never more than the
   * balance: the balance stays ≥ 0 and the entry records what was actually taken.
   */
  async clawback(input: Base & { ref: string; sourceKey: string; reason: string }) {
    return this.run(input.userId, (meta) => {
      const existing = this.bySource(input.sourceKey);
      if (existing) return { entry: existing, replayed: true, due: 0 };
      const earned = this.sql.exec<{ n: number }>("SELECT coalesce(sum(amount), 0) AS n FROM entries WHERE ref = ? AND type = 'award'", input.ref).one().n;
      const taken = -this.sql.exec<{ n: number }>("SELECT coalesce(sum(amount), 0) AS n FROM entries WHERE ref = ? AND type = 'clawback'", input.ref).one().n;
      const due = earned - taken;
      if (due <= 0) return { entry: null, replayed: false, due: 0 };
      const take = Math.min(due, meta.balance);
      const { entry } = this.write({ type: "clawback", amount: -take, reason: input.reason, sourceKey: input.sourceKey, ref: input.ref, at: input.at });
      return { entry, replayed: false, due };
    });
  }

  // ---- reading ---------------------------------------------------------------------------

  async snapshot(input: Base & { timeZone: string; days?: number }): Promise<WalletSnapshot> {
    const meta = this.meta(input.userId);
    const today = localDay(input.at, input.timeZone);
    const view = currentStreak({ streak: meta.streak, longest: meta.longest_streak, lastActiveDay: meta.last_active_day, freezes: meta.freezes }, today);
    const days = Math.min(Math.max(input.days ?? 28, 1), 366);
    const first = dayFromNumber(Math.round(Date.parse(`${today}T00:00:00Z`) / 86_400_000) - days + 1);
    const marked = new Map(
      this.sql.exec<{ day: string; kind: "active" | "frozen" }>("SELECT day, kind FROM streak_days WHERE day >= ? AND day <= ?", first, today).toArray().map((r) => [r.day, r.kind]),
    );
    const calendar = Array.from({ length: days }, (_, i) => {
      const day = dayFromNumber(Math.round(Date.parse(`${first}T00:00:00Z`) / 86_400_000) + i);
      return { day, kind: marked.get(day) ?? ("none" as const) };
    });
    return {
      userId: meta.user_id,
      balance: meta.balance,
      held: meta.held,
      freezes: meta.freezes,
      streak: view.streak,
      longestStreak: meta.longest_streak,
      lastActiveDay: meta.last_active_day,
      activeToday: view.activeToday,
      atRisk: view.atRisk,
      today,
      calendar,
      hidden: !!meta.hidden,
      lastSeq: this.lastSeq(),
    };
  }

  /** Available and held tokens only (the navigation bar). */
  async balance(input: { userId: string }): Promise<{ balance: number; held: number }> {
    const meta = this.meta(input.userId);
    return { balance: meta.balance, held: meta.held };
  }

  /** Entries after `afterSeq`, oldest first (reconciliation, tests). */
  async entries(input: { userId: string; afterSeq?: number; limit?: number }): Promise<WalletEntry[]> {
    this.meta(input.userId);
    return this.sql
      .exec<EntryRow>("SELECT * FROM entries WHERE seq > ? ORDER BY seq LIMIT ?", input.afterSeq ?? 0, Math.min(input.limit ?? 1000, 5000))
      .toArray()
      .map((r) => toEntry(r, input.userId));
  }

  async getHold(input: { userId: string; holdId: string }): Promise<HoldRow | null> {
    this.meta(input.userId);
    return this.holdRow(input.holdId);
  }

  /** Hides or shows the learner on public boards from the next projection on. */
  async setHidden(input: { userId: string; hidden: boolean }) {
    this.meta(input.userId);
    this.sql.exec("UPDATE meta SET hidden = ? WHERE id = 1", input.hidden ? 1 : 0);
  }

  // ---- projection ------------------------------------------------------------------------

  /** Projects pending entries to D1 and the leaderboards now (the alarm does the same). */
  async flush(): Promise<{ projected: number; pushed: number }> {
    const metaRow = this.sql.exec<MetaRow>("SELECT * FROM meta WHERE id = 1").toArray()[0];
    if (!metaRow) return { projected: 0, pushed: 0 };
    const result = await projectWallet(this.env, {
      userId: metaRow.user_id,
      readMeta: () => this.sql.exec<MetaRow>("SELECT * FROM meta WHERE id = 1").one(),
      pending: (limit) => this.sql.exec<EntryRow>("SELECT * FROM entries WHERE projected = 0 ORDER BY seq LIMIT ?", limit).toArray().map((r) => toEntry(r, metaRow.user_id)),
      markProjected: (upToSeq) => void this.sql.exec("UPDATE entries SET projected = 1 WHERE projected = 0 AND seq <= ?", upToSeq),
      unpushed: (afterSeq, limit) => this.sql.exec<EntryRow>("SELECT * FROM entries WHERE seq > ? ORDER BY seq LIMIT ?", afterSeq, limit).toArray().map((r) => toEntry(r, metaRow.user_id)),
      markPushed: (upToSeq) => void this.sql.exec("UPDATE meta SET pushed_seq = max(pushed_seq, ?) WHERE id = 1", upToSeq),
      lastSeq: () => this.lastSeq(),
    });
    const more = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM entries WHERE projected = 0").one().n > 0 || this.sql.exec<MetaRow>("SELECT * FROM meta WHERE id = 1").one().pushed_seq < this.lastSeq();
    if (more) {
      this.alarmScheduled = true;
      await this.ctx.storage.setAlarm(Date.now());
    }
    return result;
  }

  override async alarm() {
    this.alarmScheduled = false;
    try {
      await this.flush();
    } catch (error) {
      // Retried by our own alarm (not the runtime's limited retries): the outbox is never abandoned.
      this.log.error("tokens.projection_failed", { error });
      this.alarmScheduled = true;
      await this.ctx.storage.setAlarm(Date.now() + PROJECTION_RETRY_MS);
    }
  }

  // ---- internals -------------------------------------------------------------------------

  /** Runs a synchronous ledger operation in one storage transaction, then schedules the projection. */
  private async run<T extends { replayed: boolean }>(userId: string, op: (meta: MetaRow) => T): Promise<WalletResult<T>> {
    let value: T;
    try {
      value = this.ctx.storage.transactionSync(() => op(this.meta(userId)));
    } catch (error) {
      if (error instanceof Refused) return error.failure;
      throw error;
    }
    if (!value.replayed && !this.alarmScheduled) {
      this.alarmScheduled = true;
      await this.ctx.storage.setAlarm(Date.now() + PROJECTION_DELAY_MS);
    }
    return { ok: true, ...value };
  }

  /**
   * The wallet's state row, created on first use. Read every time (never cached in memory): a
   * refused operation rolls back its transaction, including a first-use insert.
   */
  private meta(userId: string): MetaRow {
    let meta = this.sql.exec<MetaRow>("SELECT * FROM meta WHERE id = 1").toArray()[0];
    if (!meta) {
      this.sql.exec("INSERT INTO meta (id, user_id) VALUES (1, ?)", userId);
      meta = this.sql.exec<MetaRow>("SELECT * FROM meta WHERE id = 1").one();
    }
    if (meta.user_id !== userId) throw new Error("wallet belongs to another user");
    return meta;
  }

  private lastSeq(): number {
    return this.sql.exec<{ n: number }>("SELECT coalesce(max(seq), 0) AS n FROM entries").one().n;
  }

  private bySource(sourceKey: string): WalletEntry | null {
    const row = this.sql.exec<EntryRow>("SELECT * FROM entries WHERE source_key = ?", sourceKey).toArray()[0];
    return row ? toEntry(row, this.sql.exec<MetaRow>("SELECT user_id FROM meta WHERE id = 1").one().user_id) : null;
  }

  private holdRow(id: string): HoldRow | null {
    return this.sql.exec<HoldRow>("SELECT * FROM holds WHERE id = ?", id).toArray()[0] ?? null;
  }

  private settle(id: string, status: HoldRow["status"], at: number) {
    this.sql.exec("UPDATE holds SET status = ?, settled_at = ? WHERE id = ?", status, at, id);
  }

  /**
   * Writes a credit cut to what each cap leaves today (UTC day of `at`), and counts what it paid
   * against every cap. Runs inside the caller's transaction, so two awards cannot both fit a cap.
   */
  private cappedWrite(e: NewEntry & { caps: EarningCap[] }): { entry: WalletEntry; replayed: boolean; limitedBy: string | null } {
    const day = new Date(e.at).toISOString().slice(0, 10);
    let granted = e.amount;
    let limitedBy: EarningCap | null = null;
    for (const cap of e.caps) {
      const used = this.sql.exec<{ amount: number }>("SELECT amount FROM daily_earnings WHERE day = ? AND bucket = ?", day, cap.bucket).toArray()[0]?.amount ?? 0;
      const room = Math.max(0, cap.max - used);
      if (room < granted) {
        granted = room;
        limitedBy = cap;
      }
    }
    const reason = limitedBy ? `${e.reason} · ${granted === 0 ? `nothing paid: ${limitedBy.label} reached` : `cut from ${e.amount} to ${granted} by ${limitedBy.label}`}` : e.reason;
    const written = this.write({ ...e, amount: granted, reason });
    if (!written.replayed && granted > 0) {
      for (const cap of e.caps) {
        this.sql.exec("INSERT INTO daily_earnings (day, bucket, amount) VALUES (?, ?, ?) ON CONFLICT (day, bucket) DO UPDATE SET amount = amount + excluded.amount", day, cap.bucket, granted);
      }
      // Only today's and recent days matter; older counts are dropped as the wallet writes.
      this.sql.exec("DELETE FROM daily_earnings WHERE day < ?", new Date(e.at - 7 * 86_400_000).toISOString().slice(0, 10));
    }
    if (limitedBy) this.log.info("tokens.award_capped", { userId: this.sql.exec<MetaRow>("SELECT user_id FROM meta WHERE id = 1").one().user_id, sourceKey: e.sourceKey, requested: e.amount, granted, bucket: limitedBy.bucket });
    return { ...written, limitedBy: limitedBy?.bucket ?? null };
  }

  /** Appends one entry (or returns the one with the same source key). Throws Refused on overdraft. */
  private write(e: NewEntry): { entry: WalletEntry; replayed: boolean } {
    const existing = this.bySource(e.sourceKey);
    if (existing) return { entry: existing, replayed: true };
    const meta = this.sql.exec<MetaRow>("SELECT * FROM meta WHERE id = 1").one();
    const heldDelta = e.heldDelta ?? 0;
    const balance = meta.balance + e.amount;
    const held = meta.held + heldDelta;
    if (balance < 0) refuse("insufficient_balance", `Not enough tokens: the balance is ${meta.balance}, this needs ${-e.amount}.`);
    if (held < 0) refuse("conflict", "Held tokens would go negative.");
    const id = createId("tokenEntry");
    const reason = e.reason.slice(0, 200);
    const { seq } = this.sql
      .exec<{ seq: number }>(
        "INSERT INTO entries (id, type, amount, held_delta, balance_after, held_after, reason, source_key, ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
        id,
        e.type,
        e.amount,
        heldDelta,
        balance,
        held,
        reason,
        e.sourceKey,
        e.ref ?? null,
        e.at,
      )
      .one();
    this.sql.exec("UPDATE meta SET balance = ?, held = ? WHERE id = 1", balance, held);
    const entry: WalletEntry = { id, seq, userId: meta.user_id, type: e.type, amount: e.amount, heldDelta, balanceAfter: balance, heldAfter: held, reason, sourceKey: e.sourceKey, ref: e.ref ?? null, createdAt: e.at };
    this.log.info("tokens.entry_written", { userId: meta.user_id, entryId: id, type: e.type, amount: e.amount, heldDelta, balanceAfter: balance, heldAfter: held, sourceKey: e.sourceKey });
    return { entry, replayed: false };
  }
}

function assertAmount(n: number) {
  if (!Number.isSafeInteger(n) || n <= 0) refuse("invalid", "The amount must be a positive whole number.");
}

function toEntry(r: EntryRow, userId: string): WalletEntry {
  return {
    id: r.id,
    seq: r.seq,
    userId,
    type: r.type,
    amount: r.amount,
    heldDelta: r.held_delta,
    balanceAfter: r.balance_after,
    heldAfter: r.held_after,
    reason: r.reason,
    sourceKey: r.source_key,
    ref: r.ref,
    createdAt: r.created_at,
  };
}


/**
 * Counts D1 round trips (issue 16): wraps a D1 binding so every call that goes to the database —
 * a statement's first/all/run/raw, a batch, an exec — is one round trip. `sequential` is the
 * length of the longest chain of round trips that had to wait for one another: a round trip that
 * starts after others finished is one step deeper than the deepest of those, while round trips
 * started together (Promise.all, db.batch) share a step. Each request logs both in
 * `request.completed`; tests hold pages and API routes to a budget (tests/edge/d1-budget.test.ts).
 */
/**
 * Found through a registered symbol, not a module-level map: the Worker entry and the Remix server
 * build each bundle their own copy of this module.
 */
const METER = Symbol.for("coursemint.d1-meter");
/** Statements that cannot write (Drizzle's selects; `with` is treated as a read only when it selects). */
const READ_ONLY = /^\s*(select\b|pragma\b|with\b(?![\s\S]*\b(insert|update|delete|replace)\b))/i;

export class D1Meter {
  /** Round trips made. */
  queries = 0;
  /** Longest chain of dependent round trips (what a far-away user waits for). */
  sequential = 0;
  /**
   * Bumped when a statement that may write (anything but SELECT/WITH/PRAGMA, or a batch holding one)
   * starts and again when it ends: per-request memos of reads (the session lookup) are trusted only
   * while this has not moved.
   */
  writes = 0;
  private completedDepth = 0;
  private readonly statements = new WeakMap<object, D1PreparedStatement>();
  private readonly writing = new WeakSet<object>();
  readonly binding: D1Database;

  constructor(d1: D1Database | D1DatabaseSession) {
    this.binding = this.wrapDatabase(d1) as D1Database;
  }

  /** The meter behind a metered binding (an AppContext's `env.DB`), if it is one. */
  static of(binding: D1Database): D1Meter | undefined {
    const meter = (binding as unknown as Record<symbol, unknown>)[METER];
    return meter && typeof meter === "object" ? (meter as D1Meter) : undefined;
  }

  private track<T>(call: () => Promise<T>, write = false): Promise<T> {
    const depth = this.completedDepth + 1;
    this.queries++;
    if (write) this.writes++;
    this.sequential = Math.max(this.sequential, depth);
    return call().finally(() => {
      if (write) this.writes++;
      this.completedDepth = Math.max(this.completedDepth, depth);
    });
  }

  private unwrap = (statement: D1PreparedStatement) => this.statements.get(statement) ?? statement;

  private wrapStatement(statement: D1PreparedStatement, write: boolean): D1PreparedStatement {
    const wrapped = new Proxy(statement, {
      get: (target, prop) => {
        if (prop === "bind") return (...values: unknown[]) => this.wrapStatement(target.bind(...values), write);
        if (prop === "first" || prop === "all" || prop === "run" || prop === "raw") {
          return (...args: unknown[]) => this.track(() => (target[prop] as (...a: unknown[]) => Promise<unknown>).apply(target, args), write);
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    this.statements.set(wrapped, statement);
    if (write) this.writing.add(wrapped);
    return wrapped;
  }

  /** Wraps a database or a D1 session (same shape: prepare, batch; sessions add getBookmark, databases exec/withSession). */
  private wrapDatabase<T extends D1Database | D1DatabaseSession>(d1: T): T {
    return new Proxy(d1, {
      get: (target, prop) => {
        if (prop === METER) return this;
        if (prop === "prepare") return (query: string) => this.wrapStatement(target.prepare(query), !READ_ONLY.test(query));
        if (prop === "batch") return (statements: D1PreparedStatement[]) => this.track(() => target.batch(statements.map(this.unwrap)), statements.some((s) => this.writing.has(s)));
        if (prop === "exec") return (query: string) => this.track(() => (target as D1Database).exec(query), true);
        if (prop === "withSession") return (...args: unknown[]) => this.wrapDatabase((target as D1Database).withSession(...(args as [string])));
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** `Server-Timing` value (outside production): `d1;desc="queries=N sequential=M"`. */
  serverTiming() {
    return `d1;desc="queries=${this.queries} sequential=${this.sequential}"`;
  }
}

/**
 * Counts D1 round trips (issue 16): wraps a D1 binding so every call that goes to the database —
 * a statement's first/all/run/raw, a batch, an exec — is one round trip. `sequential` is the
 * length of the longest chain of round trips that had to wait for one another: a round trip that
 * starts after others finished is one step deeper than the deepest of those, while round trips
 * started together (Promise.all, db.batch) share a step. Each request logs both in
 * `request.completed`; tests hold pages and API routes to a budget (tests/edge/d1-budget.test.ts).
 */
export class D1Meter {
  /** Round trips made. */
  queries = 0;
  /** Longest chain of dependent round trips (what a far-away user waits for). */
  sequential = 0;
  private completedDepth = 0;
  private readonly statements = new WeakMap<object, D1PreparedStatement>();
  readonly binding: D1Database;

  constructor(d1: D1Database) {
    this.binding = this.wrapDatabase(d1);
  }

  private track<T>(call: () => Promise<T>): Promise<T> {
    const depth = this.completedDepth + 1;
    this.queries++;
    this.sequential = Math.max(this.sequential, depth);
    return call().finally(() => {
      this.completedDepth = Math.max(this.completedDepth, depth);
    });
  }

  private unwrap = (statement: D1PreparedStatement) => this.statements.get(statement) ?? statement;

  private wrapStatement(statement: D1PreparedStatement): D1PreparedStatement {
    const wrapped = new Proxy(statement, {
      get: (target, prop) => {
        if (prop === "bind") return (...values: unknown[]) => this.wrapStatement(target.bind(...values));
        if (prop === "first" || prop === "all" || prop === "run" || prop === "raw") {
          return (...args: unknown[]) => this.track(() => (target[prop] as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    this.statements.set(wrapped, statement);
    return wrapped;
  }

  /** Wraps a database or a D1 session (same shape: prepare, batch, and for databases exec/withSession). */
  private wrapDatabase<T extends D1Database | D1DatabaseSession>(d1: T): T {
    return new Proxy(d1, {
      get: (target, prop) => {
        if (prop === "prepare") return (query: string) => this.wrapStatement(target.prepare(query));
        if (prop === "batch") return (statements: D1PreparedStatement[]) => this.track(() => target.batch(statements.map(this.unwrap)));
        if (prop === "exec") return (query: string) => this.track(() => (target as D1Database).exec(query));
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

/**
 * D1's documented per-statement limits (https://developers.cloudflare.com/d1/platform/limits/), which
 * local SQLite under Miniflare does not enforce: a query that passes here could fail in production.
 * tests/setup.ts wraps every test file's `env.DB` (the binding the Worker under test and the tests
 * share) with `guardD1Limits`, so a statement crossing one of them fails the test that sent it, even
 * when the app turns the error into a 500 page.
 */
export const D1_LIMITS = {
  /** "Maximum bound parameters per query". */
  boundParameters: 100,
  /** "Maximum SQL statement length", in bytes. */
  statementBytes: 100_000,
  /** "Maximum string, BLOB or table row size", in bytes (checked on each bound value). */
  valueBytes: 2_000_000,
  /** "Maximum arguments per SQL function". */
  functionArguments: 32,
  /** "Maximum characters (bytes) in a LIKE or GLOB pattern". */
  likePatternBytes: 50,
} as const;

const GUARD = Symbol.for("coursemint.d1-limits-guard");
const violations: string[] = [];

/** Violations recorded since the last call, emptied (tests/setup.ts fails the test after each one that has any). */
export function takeD1LimitViolations(): string[] {
  return violations.splice(0, violations.length);
}

const bytes = (s: string) => new TextEncoder().encode(s).length;
const excerpt = (query: string) => (query.length > 160 ? `${query.slice(0, 160)}…` : query).replace(/\s+/g, " ");

/** Words that are followed by "(" without being SQL functions. */
const NOT_FUNCTIONS = new Set(
  "in values exists as using on over filter and or not when then else select where from join set by with into key check unique references table index returning like glob case default primary conflict do is between having limit offset union all distinct".split(" "),
);

type Shape = {
  /** Parameter positions (0-based) that are LIKE or GLOB patterns. */
  patternParams: number[];
  /** Functions called with more than the allowed arguments. */
  wideFunctions: { name: string; args: number }[];
};

const shapes = new Map<string, Shape>();

/**
 * Reads a statement once: which `?` parameters are LIKE/GLOB patterns, and how many arguments each
 * function call has (string literals, quoted identifiers and comments skipped).
 */
export function statementShape(query: string): Shape {
  const known = shapes.get(query);
  if (known) return known;
  const patternParams: number[] = [];
  const wideFunctions: Shape["wideFunctions"] = [];
  // One frame per open parenthesis: the function it calls (null when it is not a call) and its arguments so far.
  const frames: { name: string | null; args: number; empty: boolean }[] = [];
  let param = 0;
  let lastWord = "";
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (c === "'" || c === '"' || c === "`" || c === "[") {
      const close = c === "[" ? "]" : c;
      let j = i + 1;
      while (j < query.length && !(query[j] === close && query[j + 1] !== close)) j += query[j] === close ? 2 : 1;
      if (frames.length) frames[frames.length - 1]!.empty = false;
      // A quoted identifier before "(" is a table or column list, not a call.
      lastWord = c === "'" ? "'" : "";
      i = j + 1;
      continue;
    }
    if (c === "-" && query[i + 1] === "-") {
      while (i < query.length && query[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && query[i + 1] === "*") {
      const end = query.indexOf("*/", i + 2);
      i = end < 0 ? query.length : end + 2;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < query.length && /[A-Za-z0-9_$]/.test(query[j]!)) j++;
      lastWord = query.slice(i, j).toLowerCase();
      if (frames.length) frames[frames.length - 1]!.empty = false;
      i = j;
      continue;
    }
    if (c === "?") {
      if (lastWord === "like" || lastWord === "glob") patternParams.push(param);
      param++;
      let j = i + 1;
      while (j < query.length && /[0-9]/.test(query[j]!)) j++;
      if (frames.length) frames[frames.length - 1]!.empty = false;
      lastWord = "?";
      i = j;
      continue;
    }
    if (c === "(") {
      const name = /^[a-z_][a-z0-9_]*$/.test(lastWord) && !NOT_FUNCTIONS.has(lastWord) ? lastWord : null;
      if (frames.length) frames[frames.length - 1]!.empty = false;
      frames.push({ name, args: 1, empty: true });
    } else if (c === ")") {
      const frame = frames.pop();
      if (frame?.name && !frame.empty && frame.args > D1_LIMITS.functionArguments) wideFunctions.push({ name: frame.name, args: frame.args });
      if (frames.length) frames[frames.length - 1]!.empty = false;
    } else if (c === ",") {
      if (frames.length) frames[frames.length - 1]!.args++;
    } else if (!/\s/.test(c) && frames.length) {
      frames[frames.length - 1]!.empty = false;
    }
    if (!/\s/.test(c)) lastWord = c;
    i++;
  }
  const shape = { patternParams, wideFunctions };
  shapes.set(query, shape);
  return shape;
}

/** Why `query` bound to `values` would be refused by D1 (empty when it would not). */
export function d1LimitProblems(query: string, values: readonly unknown[]): string[] {
  const problems: string[] = [];
  const length = bytes(query);
  if (length > D1_LIMITS.statementBytes) problems.push(`the statement is ${length} bytes long (D1 allows ${D1_LIMITS.statementBytes})`);
  if (values.length > D1_LIMITS.boundParameters) {
    problems.push(`${values.length} bound parameters (D1 allows ${D1_LIMITS.boundParameters}; chunk() the list or pass it as one JSON array to json_each)`);
  }
  values.forEach((value, i) => {
    const size = typeof value === "string" ? bytes(value) : value instanceof ArrayBuffer || ArrayBuffer.isView(value) ? value.byteLength : 0;
    if (size > D1_LIMITS.valueBytes) problems.push(`parameter ${i + 1} is ${size} bytes (D1 allows ${D1_LIMITS.valueBytes} per string or BLOB)`);
  });
  const shape = statementShape(query);
  for (const i of shape.patternParams) {
    const value = values[i];
    if (typeof value === "string" && bytes(value) > D1_LIMITS.likePatternBytes) {
      problems.push(`LIKE/GLOB pattern (parameter ${i + 1}) is ${bytes(value)} bytes (D1 allows ${D1_LIMITS.likePatternBytes})`);
    }
  }
  for (const f of shape.wideFunctions) problems.push(`${f.name}() is called with ${f.args} arguments (D1 allows ${D1_LIMITS.functionArguments})`);
  return problems;
}

/** Records the violation and returns the error to throw. */
function violation(query: string, problems: string[]): Error {
  const message = `D1 limit crossed: ${problems.join("; ")}. Statement: ${excerpt(query)}`;
  violations.push(message);
  return new Error(message);
}

/**
 * `d1` wrapped so that statements D1 would refuse throw (and are recorded for tests/setup.ts):
 * checked when bound, when run without binding, in batches and in exec.
 */
export function guardD1Limits<T extends D1Database | D1DatabaseSession>(d1: T): T {
  if ((d1 as unknown as Record<symbol, unknown>)[GUARD]) return d1;
  const originals = new WeakMap<object, D1PreparedStatement>();
  const unwrap = (s: D1PreparedStatement) => originals.get(s) ?? s;

  const wrapStatement = (statement: D1PreparedStatement, query: string, bound: boolean): D1PreparedStatement => {
    const wrapped = new Proxy(statement, {
      get(target, prop) {
        if (prop === "bind") {
          return (...values: unknown[]) => {
            const problems = d1LimitProblems(query, values);
            if (problems.length) throw violation(query, problems);
            return wrapStatement(target.bind(...values), query, true);
          };
        }
        if (!bound && (prop === "first" || prop === "all" || prop === "run" || prop === "raw")) {
          const problems = d1LimitProblems(query, []);
          if (problems.length) return () => Promise.reject(violation(query, problems));
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    originals.set(wrapped, statement);
    return wrapped;
  };

  const wrapDatabase = <D extends D1Database | D1DatabaseSession>(db: D): D =>
    new Proxy(db, {
      get(target, prop) {
        if (prop === GUARD) return true;
        if (prop === "prepare") return (query: string) => wrapStatement(target.prepare(query), query, false);
        if (prop === "batch") return (statements: D1PreparedStatement[]) => target.batch(statements.map(unwrap));
        if (prop === "exec") {
          return (query: string) => {
            const length = bytes(query);
            if (length > D1_LIMITS.statementBytes) return Promise.reject(violation(query, [`the exec'd SQL is ${length} bytes long (D1 allows ${D1_LIMITS.statementBytes})`]));
            return (target as D1Database).exec(query);
          };
        }
        if (prop === "withSession") return (...args: unknown[]) => wrapDatabase((target as D1Database).withSession(...(args as [string])));
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });

  return wrapDatabase(d1);
}

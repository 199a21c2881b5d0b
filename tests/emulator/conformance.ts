// Validates what the Stripe emulator answers and sends against the response shapes of Stripe's API
// for the version the emulator declares (tests/emulator/stripe-schemas.json, generated from the
// installed `stripe` SDK's types by scripts/gen-stripe-schemas.mjs). A problem is a missing property
// Stripe always sends, a value of the wrong type, or an enum value the version does not allow.
import schemas from "./stripe-schemas.json";

type Shape = string | (string | number | boolean)[] | { a: Shape } | { m: Shape } | { r: string } | { u: Shape[] } | { x: string[] };
type TypeDef = { p: Record<string, Shape>; o?: string[] };

const TYPES = schemas.types as unknown as Record<string, TypeDef>;
const OBJECTS = schemas.objects as Record<string, string[]>;
const EVENTS = schemas.events as Record<string, string>;
export const SCHEMA_API_VERSION = schemas.apiVersion;

export interface Problem {
  path: string;
  problem: string;
}

const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const short = (v: unknown) => {
  const s = JSON.stringify(v);
  return s && s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** The schema for a Stripe object, chosen by its `object` (and `deleted`) value. */
function typeFor(value: Record<string, any>): string | null {
  const candidates = OBJECTS[value.object] ?? [];
  if (candidates.length < 2) return candidates[0] ?? null;
  const deleted = candidates.find((n) => TYPES[n]!.p.deleted && !TYPES[n]!.o?.includes("deleted"));
  const live = candidates.find((n) => n !== deleted);
  return value.deleted === true ? (deleted ?? live!) : (live ?? deleted!);
}

function check(value: unknown, shape: Shape, path: string, out: Problem[]): void {
  if (shape === "any") return;
  if (typeof shape === "string") {
    if (kind(value) !== shape) out.push({ path, problem: `expected ${shape}, got ${kind(value)} ${short(value)}` });
    return;
  }
  if (Array.isArray(shape)) {
    const allowed = shape.slice(1);
    if (!allowed.includes(value as never)) out.push({ path, problem: `value ${short(value)} is not one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}` });
    return;
  }
  if ("a" in shape) {
    if (!Array.isArray(value)) return void out.push({ path, problem: `expected array, got ${kind(value)} ${short(value)}` });
    value.forEach((item, i) => check(item, shape.a, `${path}[${i}]`, out));
    return;
  }
  if ("m" in shape) {
    if (kind(value) !== "object") return void out.push({ path, problem: `expected object (map), got ${kind(value)} ${short(value)}` });
    for (const [k, v] of Object.entries(value as object)) check(v, shape.m, `${path}.${k}`, out);
    return;
  }
  if ("r" in shape) return checkType(value, shape.r, path, out);
  if ("x" in shape) {
    if (typeof value === "string") return;
    if (kind(value) !== "object") return void out.push({ path, problem: `expected an id or an expanded object, got ${kind(value)} ${short(value)}` });
    const obj = value as Record<string, any>;
    const known = typeFor(obj);
    const allowed = shape.x.map((n) => (n.startsWith("~") ? n.slice(1) : (TYPES[n]?.p.object as string[] | undefined)?.[1]));
    if (!allowed.includes(obj.object)) return void out.push({ path, problem: `expanded object is a ${obj.object}, expected ${allowed.join(" or ")}` });
    if (known) checkType(obj, known, path, out);
    return;
  }
  if ("u" in shape) {
    const attempts = shape.u.map((s) => {
      const problems: Problem[] = [];
      check(value, s, path, problems);
      return problems;
    });
    if (attempts.some((p) => p.length === 0)) return;
    // Report against the alternative of the value's own kind (the object schema for an object ...).
    const sameKind = attempts.filter((_, i) => kindOfShape(shape.u[i]!) === kind(value)).sort((a, b) => a.length - b.length);
    out.push(...(sameKind[0] ?? [{ path, problem: `got ${kind(value)} ${short(value)}, expected ${shape.u.map(describeShape).join(" | ")}` }]));
  }
}

function kindOfShape(s: Shape): string {
  if (s === "any") return "any";
  if (typeof s === "string") return s;
  if (Array.isArray(s)) return typeof s[1];
  if ("a" in s) return "array";
  return "object";
}

function describeShape(s: Shape): string {
  if (typeof s === "string") return s;
  if (Array.isArray(s)) return s.slice(1).map((v) => JSON.stringify(v)).join("|");
  if ("a" in s) return `${describeShape(s.a)}[]`;
  if ("r" in s) return s.r;
  if ("x" in s) return `id|${s.x.join("|")}`;
  if ("m" in s) return "map";
  return s.u.map(describeShape).join(" | ");
}

function checkType(value: unknown, name: string, path: string, out: Problem[]) {
  const def = TYPES[name];
  if (!def) return;
  if (kind(value) !== "object") return void out.push({ path, problem: `expected ${name} object, got ${kind(value)} ${short(value)}` });
  const obj = value as Record<string, unknown>;
  for (const [prop, shape] of Object.entries(def.p)) {
    if (!(prop in obj)) {
      if (!def.o?.includes(prop)) out.push({ path: `${path}.${prop}`, problem: `missing (${name} always has it)` });
      continue;
    }
    check(obj[prop], shape, `${path}.${prop}`, out);
  }
}

/** Problems of one API response body (a Stripe object or a list of them). */
export function validateResponse(body: unknown): Problem[] {
  const out: Problem[] = [];
  if (kind(body) !== "object") return [{ path: "$", problem: `expected an object, got ${kind(body)}` }];
  const value = body as Record<string, any>;
  if (value.object === "list") {
    check(value.has_more, "boolean", "$.has_more", out);
    check(value.url, "string", "$.url", out);
    if (!Array.isArray(value.data)) return [...out, { path: "$.data", problem: "expected array" }];
    value.data.forEach((item: any, i: number) => {
      if (item?.object === "event") return void out.push(...validateEvent(item).map((p) => ({ ...p, path: p.path.replace(/^\$/, `$.data[${i}]`) })));
      const name = item && typeof item === "object" ? typeFor(item) : null;
      if (!name) out.push({ path: `$.data[${i}]`, problem: `no schema for object ${short(item?.object)}` });
      else checkType(item, name, `$.data[${i}]`, out);
    });
    return out;
  }
  if (value.object === "event") return validateEvent(value);
  const name = typeFor(value);
  if (!name) return [{ path: "$.object", problem: `no schema for object ${short(value.object)}` }];
  checkType(value, name, "$", out);
  return out;
}

/** Problems of one event (as sent in a webhook or listed by /v1/events). */
export function validateEvent(event: Record<string, any>): Problem[] {
  const out: Problem[] = [];
  checkType(event, "Event", "$", out);
  const objectType = EVENTS[event.type];
  if (!objectType) return [...out, { path: "$.type", problem: `event type ${short(event.type)} does not exist in this API version (or has no schema here)` }];
  const data = event.data ?? {};
  checkType(data.object, objectType, "$.data.object", out);
  if ("previous_attributes" in data) {
    const prev = data.previous_attributes;
    if (kind(prev) !== "object") out.push({ path: "$.data.previous_attributes", problem: `expected object, got ${kind(prev)}` });
    else {
      const def = TYPES[objectType]!;
      for (const [k, v] of Object.entries(prev)) {
        if (!(k in def.p)) out.push({ path: `$.data.previous_attributes.${k}`, problem: "not a property of the object" });
        else check(v, def.p[k]!, `$.data.previous_attributes.${k}`, out);
      }
    }
  }
  return out;
}

export interface Captured {
  kind: "response" | "event";
  operation: string;
  body: string;
}

/** Takes (and clears) everything the emulator captured since the last call, across all accounts. */
export async function drainCaptured(binding: Fetcher, apiKey: string): Promise<Captured[]> {
  const response = await binding.fetch("http://stripe-emulator/_emulator/conformance", { headers: { Authorization: `Bearer ${apiKey}` } });
  if (!response.ok) throw new Error(`emulator conformance capture: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { data: Captured[] }).data;
}

export interface ConformanceReport {
  /** "GET /v1/customers/:id" or an event type → number of captured bodies, and how many had problems. */
  byOperation: Map<string, { seen: number; invalid: number; problems: Problem[] }>;
}

export function validateCaptured(captured: Captured[]): ConformanceReport {
  const byOperation: ConformanceReport["byOperation"] = new Map();
  for (const c of captured) {
    const key = c.kind === "event" ? `event ${c.operation}` : c.operation;
    const entry = byOperation.get(key) ?? { seen: 0, invalid: 0, problems: [] };
    const body = JSON.parse(c.body);
    const problems = c.kind === "event" ? validateEvent(body) : validateResponse(body);
    entry.seen += 1;
    if (problems.length) {
      entry.invalid += 1;
      for (const p of problems) if (!entry.problems.some((q) => q.path === p.path && q.problem === p.problem)) entry.problems.push(p);
    }
    byOperation.set(key, entry);
  }
  return { byOperation };
}

/** A readable list of the operations and event types with problems (empty when all conform). */
export function describeProblems(report: ConformanceReport, max = 12): string {
  const lines: string[] = [];
  for (const [op, entry] of [...report.byOperation].sort()) {
    if (!entry.invalid) continue;
    lines.push(`${op}: ${entry.invalid} of ${entry.seen} not valid for Stripe API ${SCHEMA_API_VERSION}`);
    for (const p of entry.problems.slice(0, max)) lines.push(`  ${p.path}: ${p.problem}`);
    if (entry.problems.length > max) lines.push(`  ... and ${entry.problems.length - max} more`);
  }
  return lines.join("\n");
}

import type { Example } from "./define.server";
import type { ERROR_TABLE } from "./document.server";

/**
 * The `/docs/api` page's view of the OpenAPI document: endpoints grouped by capability, each
 * with its parameters, request and response fields (flattened from the JSON Schemas), and the
 * documented examples as a request line, a JSON body and the answer.
 */

type Json = Record<string, any>;
export type FieldRow = { name: string; type: string; required: boolean; notes: string };
export type ReferenceEndpoint = {
  anchor: string;
  method: string;
  path: string;
  summary: string;
  description: string;
  auth: string;
  idempotent: boolean;
  paginated: boolean;
  parameters: Array<FieldRow & { in: string }>;
  requestBody: { contentType: string; required: boolean; fields: FieldRow[] } | null;
  responses: Array<{ status: string; description: string; contentType: string | null; fields: FieldRow[]; error: boolean }>;
  examples: Array<{ name: string; summary: string; caller: string; request: string; body: string | null; status: number; response: string | null }>;
};
export type Reference = {
  title: string;
  version: string;
  groups: Array<{ name: string; description: string; endpoints: ReferenceEndpoint[] }>;
  errors: typeof ERROR_TABLE;
};

const CALLERS: Record<Example["as"], string> = {
  anonymous: "anyone",
  student: "a signed-in learner (session cookie)",
  instructor: "a signed-in instructor",
  enterprise: "a signed-in enterprise customer (an organization's owner)",
  admin: "an admin",
  student_api_key: "a learner's API key (Authorization: Bearer cm_…)",
};

function deref(doc: Json, schema: Json | undefined): Json {
  let s = schema ?? {};
  for (let i = 0; i < 5 && typeof s.$ref === "string"; i++) s = s.$ref.slice(2).split("/").reduce((n: Json, k: string) => n?.[k], doc) ?? {};
  return s;
}

function typeOf(doc: Json, raw: Json): string {
  const s = deref(doc, raw);
  const ref = typeof raw.$ref === "string" ? raw.$ref.split("/").pop() : null;
  if (ref && (s.type === "object" || s.anyOf || s.oneOf)) return ref;
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v: unknown) => JSON.stringify(v)).join(" | ");
  if (s.anyOf || s.oneOf) return (s.anyOf ?? s.oneOf).map((x: Json) => typeOf(doc, x)).join(" | ");
  if (s.allOf) return s.allOf.map((x: Json) => typeOf(doc, x)).join(" & ");
  const t = Array.isArray(s.type) ? s.type.join(" | ") : s.type;
  if (t === "array") return `${typeOf(doc, s.items ?? {})}[]`;
  if (t === "object" && ref) return ref;
  return ref ?? t ?? "any";
}

const bound = (n: unknown) => (typeof n === "number" && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : undefined);

/** The description, then the constraints: "Integer minor units. — 1 to 5; default 20". */
function notesOf(doc: Json, raw: Json, skipDescription?: string): string {
  const s = deref(doc, raw);
  const description: string | undefined = raw.description ?? s.description;
  const parts: string[] = [];
  if (s.format) parts.push(`format ${s.format}`);
  if (s.pattern) parts.push(`pattern ${s.pattern}`);
  const [min, max] = [bound(s.minimum), bound(s.maximum)];
  if (min !== undefined || max !== undefined) parts.push(`${min ?? "…"} to ${max ?? "…"}`);
  if (s.minLength !== undefined || s.maxLength !== undefined) parts.push(`length ${s.minLength ?? 0} to ${s.maxLength ?? "…"}`);
  if (s.maxItems !== undefined) parts.push(`at most ${s.maxItems} items`);
  if (s.default !== undefined) parts.push(`default ${JSON.stringify(s.default)}`);
  return [description && description !== skipDescription ? description : "", parts.join("; ")].filter(Boolean).join(" — ");
}

/** Object properties as rows (`user.id`), nested objects and arrays of objects expanded to a few levels. */
function fields(doc: Json, raw: Json | undefined, prefix = "", depth = 0): FieldRow[] {
  if (!raw) return [];
  const s = deref(doc, raw);
  if (s.allOf) return s.allOf.flatMap((x: Json) => fields(doc, x, prefix, depth));
  if (s.anyOf || s.oneOf) {
    const variants = (s.anyOf ?? s.oneOf) as Json[];
    if (variants.every((v) => deref(doc, v).type === "object")) {
      const rows = new Map<string, FieldRow>();
      for (const v of variants) for (const r of fields(doc, v, prefix, depth)) rows.set(r.name, rows.has(r.name) ? { ...r, type: `${rows.get(r.name)!.type} | ${r.type}`.split(" | ").filter((t, i, a) => a.indexOf(t) === i).join(" | ") } : { ...r, required: false });
      return [...rows.values()];
    }
  }
  const properties = s.type === "array" ? deref(doc, s.items).properties : s.properties;
  if (!properties || depth > 3) return [];
  const required = new Set<string>((s.type === "array" ? deref(doc, s.items).required : s.required) ?? []);
  const base = s.type === "array" ? `${prefix}[]` : prefix;
  return Object.entries(properties as Record<string, Json>).flatMap(([key, value]) => {
    const name = base ? `${base}.${key}` : key;
    const row: FieldRow = { name, type: typeOf(doc, value), required: required.has(key), notes: notesOf(doc, value) };
    const inner = deref(doc, value);
    const nested = inner.type === "object" || (inner.type === "array" && deref(doc, inner.items).type === "object") || inner.anyOf ? fields(doc, value, name, depth + 1) : [];
    return [row, ...nested];
  });
}

function requestLine(method: string, path: string, x: Example): string {
  const url = path.replace(/\{(\w+)\}/g, (_, name: string) => x.params?.[name] ?? `{${name}}`) + (x.query && Object.keys(x.query).length ? `?${new URLSearchParams(x.query)}` : "");
  const lines = [`${x.method ?? method.toUpperCase()} ${url}`];
  if (x.as === "student_api_key") lines.push("Authorization: Bearer cm_…");
  else if (x.as !== "anonymous") lines.push("Cookie: __session=…");
  for (const [k, v] of Object.entries(x.headers ?? {})) lines.push(`${k}: ${v}`);
  if (x.body !== undefined) lines.push("Content-Type: application/json");
  return lines.join("\n");
}

let cached: Reference | undefined;

/**
 * The reference from the OpenAPI document built by scripts/build-openapi.mjs (a static asset, read
 * through the ASSETS binding): the Worker never builds the document nor bundles its descriptions.
 */
export async function apiReference(assets: Fetcher, origin: string): Promise<Reference> {
  if (cached) return cached;
  const response = await assets.fetch(new URL(OPENAPI_ASSET, origin));
  if (!response.ok) throw new Error(`apiReference: ${OPENAPI_ASSET} answered ${response.status} (run \`npm run build\`)`);
  return (cached = referenceOf((await response.json()) as Json));
}

/** Where scripts/build-openapi.mjs writes the document (GET /api/openapi.json serves it). */
export const OPENAPI_ASSET = "/api/openapi.json";

function referenceOf(doc: Json): Reference {
  const tags = doc.tags as Array<{ name: string; description: string }>;
  const groups = new Map<string, ReferenceEndpoint[]>(tags.map((t) => [t.name, []]));
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const [contentType, media] = (Object.entries(op.requestBody?.content ?? {})[0] ?? []) as [string?, Json?];
      const multipart = contentType === "multipart/form-data";
      const endpoint: ReferenceEndpoint = {
        anchor: op.operationId,
        method: method.toUpperCase(),
        path,
        summary: op.summary,
        description: String(op.description ?? "").split("\n\n**Auth:**")[0]!,
        // define.server.ts's toOperation writes the caller as a note: "**Auth:** <authText>".
        auth: /\*\*Auth:\*\* (.*)/.exec(String(op.description ?? ""))?.[1] ?? "",
        idempotent: !!op["x-idempotent"],
        paginated: !!op["x-paginated"],
        parameters: ((op.parameters ?? []) as Json[]).map((p) => ({ in: p.in, name: p.name, type: typeOf(doc, p.schema ?? {}), required: !!p.required, notes: [p.description, notesOf(doc, p.schema ?? {}, p.description)].filter(Boolean).join(" — ") })),
        requestBody: contentType ? { contentType, required: !!op.requestBody.required, fields: fields(doc, media?.schema) } : null,
        responses: Object.entries(op.responses as Record<string, Json>).map(([status, r]) => {
          const [type, m] = (Object.entries(r.content ?? {})[0] ?? [null, null]) as [string | null, Json | null];
          const isError = Number(status) >= 400;
          return { status, description: r.description, contentType: type, fields: isError ? [] : fields(doc, m?.schema), error: isError };
        }),
        examples: ((op["x-examples"] ?? []) as Example[]).map((x) => ({
          name: x.name,
          summary: x.summary,
          caller: CALLERS[x.as],
          request: requestLine(method, path, x),
          body: x.body === undefined ? null : multipart ? `${JSON.stringify(x.body, null, 2)}\n(as multipart/form-data fields, with the files)` : JSON.stringify(x.body, null, 2),
          status: x.status,
          response: x.response === undefined ? null : JSON.stringify(x.response, null, 2),
        })),
      };
      groups.get(op.tags?.[0] ?? "System")?.push(endpoint);
    }
  }
  return {
    title: doc.info.title,
    version: doc.info.version,
    groups: tags.map((t) => ({ name: t.name, description: t.description, endpoints: groups.get(t.name)! })).filter((g) => g.endpoints.length),
    errors: doc["x-error-codes"],
  };
}

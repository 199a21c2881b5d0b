import { Validator } from "@cfworker/json-schema";
import { SELF } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "~/utils/errors";
import { ORIGIN } from "../helpers";
import { manifestRoutes } from "../routes/manifest";
import { deliverWebhooks } from "../payments/helpers";
import { callerFor, fixtureFor, fixtureKeys, type Doc, type ExampleDoc, type Operation } from "./fixtures";

/**
 * The API reference is the contract: every route under `app/routes/api+/` is in GET /api/openapi.json and
 * every documented path has a route; each documented example request is sent to the running
 * Worker and the real response must have the documented status and match its documented schema.
 */

const doc = (await (await SELF.fetch(`${ORIGIN}/api/openapi.json`)).json()) as Doc;

/** Every `/api` route of the Remix manifest as an OpenAPI path (`/api/courses/{courseId}`); `/api/*` is the JSON 404 for unknown paths. */
const apiRoutes = manifestRoutes()
  .filter((r) => r.pattern.startsWith("/api/") && r.pattern !== "/api/*")
  .map((r) => ({ id: r.id, path: r.pattern.replace(/:(\w+)/g, "{$1}") }));

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
const operations: Array<{ path: string; method: (typeof METHODS)[number]; op: Operation }> = Object.entries(doc.paths).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method]! })),
);

/** Inlines `#/components/...` refs so a schema validates on its own. */
function resolve(schema: unknown, seen: string[] = []): unknown {
  if (Array.isArray(schema)) return schema.map((s) => resolve(s, seen));
  if (!schema || typeof schema !== "object") return schema;
  const ref = (schema as { $ref?: string }).$ref;
  if (ref?.startsWith("#/")) {
    if (seen.includes(ref)) throw new Error(`cyclic ${ref}`);
    const target = ref
      .slice(2)
      .split("/")
      .reduce<any>((node, key) => node?.[key], doc);
    return resolve(target, [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolve(v, seen)]));
}

function validate(schema: unknown, value: unknown) {
  const result = new Validator(resolve(schema) as object, "2020-12", false).validate(value);
  return result.valid ? [] : result.errors.map((e) => `${e.instanceLocation}: ${e.error}`);
}

function responseSchema(op: Operation, status: number) {
  const response = op.responses[String(status)];
  return response?.content?.["application/json"]?.schema;
}

describe("the document", () => {
  it("is OpenAPI 3.1 with both security schemes and the error table of app/utils/errors.ts", () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["apiKey", "session"]);
    expect(Object.fromEntries(doc["x-error-codes"].map((e) => [e.code, e.status]))).toEqual(ERROR_CODES);
  });

  it("describes every /api route file", () => {
    const missing = apiRoutes.filter((r) => !doc.paths[r.path]).map((r) => `${r.id} → ${r.path}`);
    expect(missing, "route files without a description (add <x>.openapi.server.ts beside <x>.ts)").toEqual([]);
  });

  it("documents no path that has no route", () => {
    const routes = new Set(apiRoutes.map((r) => r.path));
    expect(Object.keys(doc.paths).filter((p) => !routes.has(p))).toEqual([]);
  });

  it("gives every endpoint a success example, an error example and a tag", () => {
    const incomplete = operations
      .filter(({ op }) => !op["x-examples"].some((x) => x.status < 300) || !op["x-examples"].some((x) => x.status >= 400) || op.tags?.length !== 1)
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(incomplete).toEqual([]);
  });

  it("has a documented example for every fixture", () => {
    const names = new Set(operations.flatMap(({ op }) => [op.operationId, ...op["x-examples"].map((x) => `${op.operationId}:${x.name}`)]));
    expect(fixtureKeys().filter((k) => !names.has(k))).toEqual([]);
  });

  it("has documented example responses that match their own schemas", () => {
    const problems: string[] = [];
    for (const { path, method, op } of operations) {
      for (const x of op["x-examples"]) {
        if (x.response === undefined) continue;
        const schema = responseSchema(op, x.status);
        if (!schema) problems.push(`${method} ${path} ${x.name}: no JSON schema for ${x.status}`);
        else problems.push(...validate(schema, x.response).map((e) => `${method} ${path} ${x.name}: ${e}`));
      }
    }
    expect(problems).toEqual([]);
  });

  it("answers 405 for the methods it does not document", async () => {
    const wrong: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      const anyExample = METHODS.map((m) => item[m]).find(Boolean)!["x-examples"][0];
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => anyExample?.params?.[name] ?? "x");
      for (const method of METHODS.filter((m) => !item[m])) {
        const response = await SELF.fetch(`${ORIGIN}${url}`, { method: method.toUpperCase() });
        if (response.status !== 405) wrong.push(`${method.toUpperCase()} ${path}: ${response.status}`);
        await response.body?.cancel();
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe("documented examples against the running Worker", () => {
  // Leave no Stripe webhook deliveries behind for the next test file (one emulated account).
  afterAll(async () => {
    await deliverWebhooks();
  }, 120_000);

  for (const { path, method, op } of operations) {
    for (const example of op["x-examples"] as ExampleDoc[]) {
      it(`${method.toUpperCase()} ${path} — ${example.name} (${example.status})`, async () => {
        const caller = await callerFor(example.as);
        const fixture = await fixtureFor(op.operationId, example, caller);
        const params = { ...example.params, ...fixture.params };
        const query = new URLSearchParams({ ...example.query, ...fixture.query });
        const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? "")) + (query.size ? `?${query}` : "");
        const headers = new Headers({ ...example.headers, ...fixture.headers });
        let body: BodyInit | undefined;
        const contentTypes = Object.keys(op.requestBody?.content ?? {});
        const value = fixture.body ?? example.body;
        if (fixture.form) body = fixture.form;
        else if (value !== undefined && contentTypes[0] === "multipart/form-data") {
          const form = new FormData();
          for (const [k, v] of Object.entries(value as Record<string, string>)) form.append(k, v);
          body = form;
        } else if (value !== undefined) {
          headers.set("Content-Type", "application/json");
          body = JSON.stringify(value);
        }
        const response = await caller.fetch(url, { method: example.method ?? method.toUpperCase(), headers, body });
        const text = await response.text();
        expect(response.status, `${method.toUpperCase()} ${url} answered ${text.slice(0, 300)}`).toBe(example.status);
        const documented = op.responses[String(example.status)];
        expect(documented, `status ${example.status} is documented`).toBeDefined();
        const content = documented!.content ?? {};
        if (!Object.keys(content).length) {
          expect(text).toBe("");
          return;
        }
        const [type, media] = Object.entries(content)[0]!;
        expect(response.headers.get("Content-Type") ?? "").toContain(type === "*/*" ? "" : type.split(";")[0]);
        if (type === "application/json" && media.schema) {
          expect(validate(media.schema, JSON.parse(text)), text.slice(0, 500)).toEqual([]);
        }
        await fixture.after?.();
      }, 60_000); // some examples first need a paid payment (Stripe webhooks delivered and handled)
    }
  }
});

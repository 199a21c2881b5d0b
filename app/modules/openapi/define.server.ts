import * as z from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiPathItemObject, ZodOpenApiResponsesObject } from "zod-openapi";
import { ERROR_CODES, type ErrorCode } from "~/utils/errors";

/**
 * How an `/api/*` endpoint is described. Each route `<x>.ts` under `app/routes/api+/` has a sibling
 * `<x>.openapi.server.ts` whose default export is `defineRoute(path, {method: endpoint})`;
 * `document.server.ts` collects them into the OpenAPI 3.1 document. Request schemas are the zod
 * schemas the route or its service validates with (imported, never copied); response schemas are
 * written here and checked against real responses by tests/openapi/contract.test.ts.
 */

/** The capabilities, in the order the reference page shows them. */
export const CAPABILITIES = {
  System: "Health and the reference itself.",
  Account: "The caller, their API keys, and the admin user directory and audit log.",
  Payments: "Payments for any purpose, refunds, history, and Stripe's webhooks.",
  Marketplace: "The course catalog, course content, purchases, reviews and instructor earnings.",
  Subscriptions: "Free, Pro and Enterprise plans: start, change, cancel, resume, and Pro features.",
  Tokens: "Reward tokens (a ledger per learner), streaks, redemptions and leaderboards.",
  Licensing: "Enterprise organizations' licenses: create, validate at the edge, activate machines, usage, branding.",
  Operations: "Figures for dashboards and alerts.",
} as const;
export type Capability = keyof typeof CAPABILITIES;

/** Who may call: anyone, any signed-in caller (session or API key) with a permission, or Stripe. */
export type Auth =
  | { kind: "none" }
  | { kind: "optional"; note?: string }
  | { kind: "signed_in"; permission?: string; note?: string }
  | { kind: "stripe_signature" };

/** Who sends an example request in the contract test: a role's browser session, an API key, or no one. */
export type Caller = "anonymous" | "student" | "instructor" | "enterprise" | "admin" | "student_api_key";

export interface Example {
  /** A short slug, unique within the endpoint (`ok`, `not_found`, ...). */
  name: string;
  summary: string;
  as: Caller;
  /** Sent with another method than the endpoint's (only to show the 405 every path answers). */
  method?: "POST" | "GET";
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A JSON body (sent as application/json) or, for multipart endpoints, the form's text fields. */
  body?: unknown;
  status: number;
  /** A response body as the endpoint answers it; the contract test validates it against the schema. */
  response?: unknown;
}

export interface ResponseDoc {
  description: string;
  /** A JSON body schema; omit for an empty body (204) or a non-JSON body (see `contentType`). */
  schema?: z.ZodType;
  contentType?: string;
  headers?: Record<string, { description: string; schema?: z.ZodType }>;
}

export interface Endpoint {
  capability: Capability;
  summary: string;
  description?: string;
  auth: Auth;
  /** Honours the `Idempotency-Key` header (same key + same body replays, other body → 409). */
  idempotent?: boolean;
  /** Cursor pagination: `cursor` and `limit` in the query, `nextCursor` in the body. */
  paginated?: boolean;
  params?: z.ZodObject;
  query?: z.ZodType;
  body?: { schema: z.ZodType; contentType?: "application/json" | "multipart/form-data"; required?: boolean; description?: string };
  responses: Record<number, ResponseDoc>;
  /** Error statuses with the codes each can carry (always the `Error` body). */
  errors: Partial<Record<number, ErrorCode[]>>;
  examples: Example[];
}

export type Method = "get" | "post" | "put" | "patch" | "delete";
export interface RouteDoc {
  path: string;
  operations: Partial<Record<Method, Endpoint>>;
}

/** The description of one route file: its OpenAPI path and one endpoint per method it answers. */
export function defineRoute(path: string, operations: Partial<Record<Method, Endpoint>>): RouteDoc {
  return { path, operations };
}

// ----- shared schemas -----------------------------------------------------------------------

export const errorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

export const errorSchema = z
  .object({
    error: z
      .object({
        code: errorCodeSchema.meta({ description: "Machine-readable; see the error table." }),
        message: z.string().meta({ description: "Safe to show to a person." }),
        details: z.unknown().optional().meta({ description: "Extra data: `fieldErrors` for validation_failed, ids, upgrade hints." }),
      })
      .strict(),
  })
  .strict()
  .meta({ id: "Error", description: 'Every error: `{"error":{"code","message","details"}}` with an HTTP status that matches the code.' });

export const timestamp = z.number().int().meta({ description: "Epoch milliseconds." });
export const money = (description = "Integer minor units (4999 = $49.99).") => z.number().int().meta({ description });
export const currency = z.string().regex(/^[a-z]{3}$/).meta({ description: "ISO 4217, lower case.", example: "usd" });
export const idOf = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`)).meta({ example: `${prefix}_01jdxa7q2m3n4p5r6s7t8v9w0x` });
export const nextCursor = z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last page." });

/** The page shape every cursor-paginated list answers with. */
export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor });

// ----- conversion to zod-openapi ----------------------------------------------------------------

const idempotencyKeyHeader = z.object({
  "Idempotency-Key": z
    .string()
    .min(1)
    .max(255)
    .optional()
    .meta({ description: "Printable ASCII, ≤255 characters. Same key + same body replays the first response (`Idempotent-Replayed: true`); same key + another body → 409 idempotency_conflict." }),
});

const STATUS_TEXT: Record<number, string> = {
  400: "Bad request",
  401: "Not signed in",
  402: "Payment required",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  409: "Conflict",
  422: "Unprocessable",
  429: "Too many requests",
  500: "Internal error",
  503: "Upstream unavailable",
};

function security(auth: Auth): Array<Record<string, string[]>> {
  switch (auth.kind) {
    case "signed_in":
      return [{ apiKey: [] }, { session: [] }];
    case "optional":
      return [{}, { apiKey: [] }, { session: [] }];
    default:
      return [];
  }
}

export function authText(auth: Auth): string {
  switch (auth.kind) {
    case "none":
      return "None.";
    case "optional":
      return `Optional (session or API key).${auth.note ? ` ${auth.note}` : ""}`;
    case "signed_in":
      return `Session or API key${auth.permission ? ` with \`${auth.permission}\`` : ""}.${auth.note ? ` ${auth.note}` : ""}`;
    case "stripe_signature":
      return "Stripe only: the `Stripe-Signature` header over the raw body.";
  }
}

/** One endpoint as a zod-openapi operation; examples also go into `x-examples` for the contract test. */
export function toOperation(method: Method, path: string, e: Endpoint): ZodOpenApiOperationObject {
  const operationId = `${method}${path
    .replace(/^\/api/, "")
    .split(/[/{}._-]+/)
    .filter(Boolean)
    .map((s) => s[0]!.toUpperCase() + s.slice(1))
    .join("")}`;
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, r] of Object.entries(e.responses)) {
    const examples = Object.fromEntries(
      e.examples.filter((x) => String(x.status) === status && x.response !== undefined).map((x) => [x.name, { summary: x.summary, value: x.response }]),
    );
    const contentType = r.contentType ?? "application/json";
    responses[status as `2${string}`] = {
      description: r.description,
      ...(r.headers
        ? { headers: z.object(Object.fromEntries(Object.entries(r.headers).map(([n, h]) => [n, (h.schema ?? z.string()).meta({ description: h.description })]))) }
        : {}),
      ...(r.schema || r.contentType
        ? { content: { [contentType]: { ...(r.schema ? { schema: r.schema } : {}), ...(Object.keys(examples).length ? { examples } : {}) } } }
        : {}),
    };
  }
  for (const [status, codes] of Object.entries(e.errors)) {
    const examples = Object.fromEntries(
      e.examples.filter((x) => String(x.status) === status && x.response !== undefined).map((x) => [x.name, { summary: x.summary, value: x.response }]),
    );
    responses[status as `4${string}`] = {
      description: `${STATUS_TEXT[Number(status)] ?? "Error"}: ${codes!.map((c) => `\`${c}\``).join(", ")}.`,
      ...(Number(status) === 429 ? { headers: z.object({ "Retry-After": z.string().meta({ description: "Seconds to wait." }) }) } : {}),
      content: { "application/json": { schema: errorSchema, ...(Object.keys(examples).length ? { examples } : {}) } },
    };
  }
  const bodyExamples = Object.fromEntries(e.examples.filter((x) => x.body !== undefined).map((x) => [x.name, { summary: x.summary, value: x.body }]));
  const notes = [
    `**Auth:** ${authText(e.auth)}`,
    e.idempotent ? "**Idempotency:** honours `Idempotency-Key`." : "",
    e.paginated ? "**Pagination:** newest first; pass `nextCursor` back as `cursor` until it is null." : "",
  ].filter(Boolean);
  return {
    operationId,
    tags: [e.capability],
    summary: e.summary,
    description: [e.description ?? "", ...notes].filter(Boolean).join("\n\n"),
    security: security(e.auth),
    requestParams: {
      ...(e.params ? { path: e.params } : {}),
      ...(e.query ? { query: e.query as z.ZodObject } : {}),
      ...(e.idempotent ? { header: idempotencyKeyHeader } : {}),
    },
    ...(e.body
      ? {
          requestBody: {
            required: e.body.required ?? true,
            ...(e.body.description ? { description: e.body.description } : {}),
            content: {
              [e.body.contentType ?? "application/json"]: {
                schema: e.body.schema,
                ...(Object.keys(bodyExamples).length ? { examples: bodyExamples } : {}),
              },
            },
          },
        }
      : {}),
    responses,
    "x-auth": e.auth,
    ...(e.idempotent ? { "x-idempotent": true } : {}),
    ...(e.paginated ? { "x-paginated": true } : {}),
    "x-examples": e.examples,
  } as unknown as ZodOpenApiOperationObject;
}

export function toPathItem(route: RouteDoc): ZodOpenApiPathItemObject {
  return Object.fromEntries(Object.entries(route.operations).map(([m, e]) => [m, toOperation(m as Method, route.path, e!)]));
}

// ----- example error bodies (as the app answers them) -------------------------------------------

export const errorExample = (code: ErrorCode, message: string, details?: unknown) => ({ error: { code, message, ...(details === undefined ? {} : { details }) } });
export const UNAUTHENTICATED = errorExample("unauthenticated", "Sign in to continue.");
export const FORBIDDEN = errorExample("forbidden", "You do not have permission to do that.");

/** The object a query schema parses (for a schema refined or transformed as a whole: its input side). */
export function inputObject(schema: z.ZodType): z.ZodObject {
  let s: z.ZodType = schema;
  for (let i = 0; i < 5 && !(s instanceof z.ZodObject); i++) {
    const def = (s as unknown as { _zod: { def: { in?: z.ZodType; innerType?: z.ZodType } } })._zod.def;
    s = def.in ?? def.innerType ?? s;
  }
  if (!(s instanceof z.ZodObject)) throw new Error("inputObject: not an object schema");
  return s;
}

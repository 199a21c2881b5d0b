import * as z from "zod";
import { apiTokenSchema } from "~/modules/auth/schemas";
import { defineRoute, errorExample, idOf, timestamp, UNAUTHENTICATED } from "~/modules/openapi/define.server";

const apiKey = z.object({
  id: idOf("tok"),
  name: z.string(),
  prefix: z.string().meta({ description: "The first 10 characters of the key, to recognise it." }),
  createdAt: timestamp,
  lastUsedAt: timestamp.nullable(),
});

export default defineRoute("/api/api-keys", {
  get: {
    capability: "Account",
    summary: "List your API keys",
    description: "Your active personal API keys, newest first. Secrets are never listed.",
    auth: { kind: "signed_in", permission: "read:account:own" },
    responses: { 200: { description: "Your active keys.", schema: z.object({ tokens: z.array(apiKey) }) } },
    errors: { 401: ["unauthenticated"] },
    examples: [
      { name: "ok", summary: "Your keys", as: "student", status: 200, response: { tokens: [{ id: "tok_01jdxa7q2m3n4p5r6s7t8v9w0x", name: "CI", prefix: "cm_3f9a1c2", createdAt: 1795750000000, lastUsedAt: null }] } },
      { name: "anonymous", summary: "No credentials", as: "anonymous", status: 401, response: UNAUTHENTICATED },
    ],
  },
  post: {
    capability: "Account",
    summary: "Create an API key",
    description: "Creates a personal API key (`cm_…`) that acts with your role. The secret is in this response only; it is stored as SHA-256. At most 20 active keys. Audited.",
    auth: { kind: "signed_in", permission: "create:api-token:own" },
    body: { schema: apiTokenSchema },
    responses: {
      201: {
        description: "The new key, with its secret (shown once).",
        schema: z.object({ token: z.string().regex(/^cm_[0-9a-f]{48}$/), id: idOf("tok"), name: z.string(), prefix: z.string(), createdAt: timestamp }),
      },
    },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["csrf_failed"] },
    examples: [
      {
        name: "ok",
        summary: "A key for CI",
        as: "student",
        body: { name: "CI" },
        status: 201,
        response: { token: "cm_3f9a1c2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70", id: "tok_01jdxa7q2m3n4p5r6s7t8v9w0x", name: "CI", prefix: "cm_3f9a1c2", createdAt: 1795750000000 },
      },
      {
        name: "no_name",
        summary: "Name missing",
        as: "student",
        body: { name: "" },
        status: 400,
        response: errorExample("validation_failed", "Some fields are invalid.", { fieldErrors: { name: ["Name is required"] } }),
      },
    ],
  },
  delete: {
    capability: "Account",
    summary: "Revoke all your API keys",
    description: "Revokes every key of the caller at once (the calling key too); \"Log out everywhere\" on the account page does the same by default. Audited.",
    auth: { kind: "signed_in", permission: "delete:api-token:own" },
    responses: { 200: { description: "How many keys were revoked.", schema: z.object({ revoked: z.number().int().nonnegative() }) } },
    errors: { 401: ["unauthenticated"], 403: ["csrf_failed"] },
    examples: [
      { name: "ok", summary: "Revoke every key", as: "student", status: 200, response: { revoked: 0 } },
      { name: "anonymous", summary: "No credentials", as: "anonymous", status: 401, response: UNAUTHENTICATED },
    ],
  },
});

import * as z from "zod";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";

export default defineRoute("/api/enterprise/licenses/public-key", {
  get: {
    capability: "Licensing",
    summary: "The license signing public key",
    description: "The public half of the Ed25519 key that signs license keys and offline files, as a JWK Set, for offline verification. Stable URL; `Cache-Control: public, max-age=3600`; CORS.",
    auth: { kind: "none" },
    responses: {
      200: {
        description: "A JWK Set.",
        schema: z.object({
          keys: z.array(z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string(), kid: z.string(), alg: z.literal("EdDSA"), use: z.literal("sig") })),
        }),
      },
    },
    errors: { 405: ["method_not_allowed"] },
    examples: [
      { name: "ok", summary: "The key", as: "anonymous", status: 200, response: { keys: [{ kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", kid: "k1", alg: "EdDSA", use: "sig" }] } },
      { name: "wrong_method", summary: "POST is not supported", as: "anonymous", method: "POST", status: 405, response: errorExample("method_not_allowed", "Use GET.") },
    ],
  },
});

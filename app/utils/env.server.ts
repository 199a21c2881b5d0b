import * as z from "zod";

const envSchema = z.object({
  APP_ENV: z.enum(["development", "test", "production"]),
  APP_VERSION: z.string().min(1),
  APP_URL: z.url(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  SESSION_SECRET: z.string().min(32, "SESSION_SECRET must be at least 32 characters"),
  // Email (app/modules/email, docs/email.md): the local D1 outbox unless told otherwise.
  EMAIL_PROVIDER: z.enum(["outbox", "resend"]).default("outbox"),
  EMAIL_FROM: z.string().min(3).default("Coursemint <receipts@coursemint.example>"),
  RESEND_API_KEY: z.string().min(1).optional(),
  RESEND_API_URL: z.url().default("https://api.resend.com"),
  /** First retry delay of a transient email failure; doubles per attempt (capped at 1 hour). */
  EMAIL_RETRY_BASE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  // Stripe (app/modules/payments/stripe.server.ts): test keys locally, live keys only in production.
  STRIPE_SECRET_KEY: z.string().regex(/^sk_(test|live)_\w+$/, "STRIPE_SECRET_KEY must be an sk_test_ or sk_live_ key"),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, "STRIPE_WEBHOOK_SECRET must be a whsec_ secret"),
  STRIPE_CURRENCY: z.enum(["usd", "eur", "gbp"]).default("usd"),
  // Licensing (app/modules/licensing, docs/licensing.md): Ed25519 private key, JWK JSON or PKCS8.
  LICENSE_SIGNING_KEY: z.string().min(40, "LICENSE_SIGNING_KEY must be an Ed25519 private JWK or PKCS8 key").optional(),
  /** Optional, non-production deploys only: lets a shared staging deploy's developers use /__scheduled and the emulator controls (app/utils/dev-surfaces.server.ts). */
  DEV_CONTROL_SECRET: z.string().min(32, "DEV_CONTROL_SECRET must be at least 32 characters").optional(),
  /** Edge cache (workers/edge-cache.ts): how long an isolate trusts the course version it read; 0 reads it per request. */
  EDGE_CACHE_VERSION_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
}).refine((env) => env.APP_ENV === "production" || !env.STRIPE_SECRET_KEY.startsWith("sk_live_"), {
  path: ["STRIPE_SECRET_KEY"],
  message: "A live Stripe key is refused outside production; use an sk_test_ key",
}).refine((env) => env.APP_ENV !== "production" || !!env.LICENSE_SIGNING_KEY, {
  path: ["LICENSE_SIGNING_KEY"],
  message: "LICENSE_SIGNING_KEY is required in production",
}).refine((env) => env.APP_ENV !== "production" || !env.DEV_CONTROL_SECRET, {
  path: ["DEV_CONTROL_SECRET"],
  message: "DEV_CONTROL_SECRET is for non-production deploys only",
}).refine((env) => env.EMAIL_PROVIDER !== "resend" || !!env.RESEND_API_KEY, {
  path: ["RESEND_API_KEY"],
  message: "RESEND_API_KEY is required when EMAIL_PROVIDER is resend",
});
export type AppConfig = z.infer<typeof envSchema>;

const cache = new WeakMap<object, AppConfig>();

/**
 * Parses the non-binding part of the Worker env once per env object and fails fast with a
 * readable message naming each bad variable (values are never echoed).
 */
export function getConfig(env: Env): AppConfig {
  const hit = cache.get(env);
  if (hit) return hit;
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid environment configuration: ${problems}`);
  }
  cache.set(env, result.data);
  return result.data;
}

/** The only settings the browser may see. */
export function publicConfig(config: AppConfig) {
  return { APP_ENV: config.APP_ENV, APP_VERSION: config.APP_VERSION };
}

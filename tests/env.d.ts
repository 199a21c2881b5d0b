// `env` from cloudflare:test is Cloudflare.Env: the generated bindings plus what vitest.config.ts adds.
declare namespace Cloudflare {
  interface Env extends __BaseEnv_Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** Generated per run by vitest.config.ts. */
    LICENSE_SIGNING_KEY: string;
    /** A Rate Limiting binding with limit 2 per minute (vitest.config.ts), for 429 tests. */
    TEST_LIMIT_TWO: RateLimit;
  }
}

import { applyD1Migrations, env } from "cloudflare:test";
import { afterEach } from "vitest";
import { resetClock } from "~/utils/clock";

// The real migrations, applied to this test file's isolated D1 (idempotent across tests).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

afterEach(() => resetClock());

// After each test file: every Stripe API response and event the emulator produced during the file
// (for the app's calls and the tests' own) must be valid against Stripe's API description for the
// emulator's version (tests/emulator/conformance.ts). Registered in vitest.config.ts setupFiles.
import { env } from "cloudflare:test";
import { afterAll } from "vitest";
import { describeProblems, drainCaptured, validateCaptured } from "./conformance";

const testEnv = env as typeof env & { STRIPE_EMULATOR: Fetcher; STRIPE_SECRET_KEY: string };

afterAll(async () => {
  const report = validateCaptured(await drainCaptured(testEnv.STRIPE_EMULATOR, testEnv.STRIPE_SECRET_KEY));
  const problems = describeProblems(report);
  if (problems) throw new Error(`The Stripe emulator produced responses or events Stripe would not send:\n${problems}`);
});

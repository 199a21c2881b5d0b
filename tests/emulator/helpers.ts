import { env } from "cloudflare:test";
import type Stripe from "stripe";
import { createStripeClient } from "../../workers/stripe-emulator/client";
import { EmulatorControl } from "../../workers/stripe-emulator/testing";

/** The bindings vitest.config.ts adds for the emulator (typed here so this folder does not depend on generated types). */
export const testEnv = env as typeof env & { STRIPE_EMULATOR: Fetcher; STRIPE_WEBHOOK_SECRET: string };
export const WEBHOOK_SECRET = testEnv.STRIPE_WEBHOOK_SECRET;

/** A fresh emulated Stripe account (its own key), a real SDK client on it, and its test controls. */
export function emulatedStripe(config: Stripe.StripeConfig = {}) {
  const key = `sk_test_${crypto.randomUUID().replace(/-/g, "")}`;
  const stripe = createStripeClient(key, testEnv.STRIPE_EMULATOR, { maxNetworkRetries: 0, ...config });
  return { key, stripe, control: new EmulatorControl(testEnv.STRIPE_EMULATOR, key) };
}

/** Expects the promise to reject with a Stripe SDK error and returns it. */
export async function stripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  throw new Error("expected a Stripe error");
}

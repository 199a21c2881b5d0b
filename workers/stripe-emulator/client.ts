// Helpers for the app: build the official Stripe SDK against the emulator's service binding.
import Stripe from "stripe";

/** The SDK's HTTP client sending every Stripe call through the emulator binding (any host works). */
export function emulatorHttpClient(binding: Fetcher) {
  return Stripe.createFetchHttpClient(((url: string | URL | Request, init?: RequestInit) => binding.fetch(url, init)) as typeof fetch);
}

/**
 * A Stripe client for Workers: through `binding` when given (development and tests), else the
 * real api.stripe.com. Build it per request from env; never at module level.
 */
export function createStripeClient(secretKey: string, binding?: Fetcher | null, config: Stripe.StripeConfig = {}) {
  return new Stripe(secretKey, {
    httpClient: binding ? emulatorHttpClient(binding) : Stripe.createFetchHttpClient(),
    ...config,
  });
}

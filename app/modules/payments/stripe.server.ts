import Stripe from "stripe";
import * as z from "zod";
import type { AppContext } from "~/context.server";
import { AppError } from "~/utils/errors";

const RATE_LIMIT_RETRIES = 2;
const RATE_LIMIT_BASE_DELAY_MS = 250;

/**
 * Answers 429 by waiting (Retry-After, else 250 ms, 500 ms) and sending the same request again,
 * idempotency key included. The SDK itself retries network errors, 409 and 5xx, but not 429.
 */
function retryingRateLimits(send: typeof fetch): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    for (let attempt = 0; ; attempt++) {
      const response = await send(input, init);
      if (response.status !== 429 || attempt >= RATE_LIMIT_RETRIES) return response;
      await response.body?.cancel();
      const retryAfter = Number(response.headers.get("Retry-After"));
      const delay = retryAfter > 0 ? Math.min(retryAfter * 1000, 2000) : RATE_LIMIT_BASE_DELAY_MS * 2 ** attempt;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }) as typeof fetch;
}

/**
 * Development and tests: every call goes through the emulator's service binding, telling it where
 * the browser reaches its hosted pages (this app's `/_stripe` proxy), so Checkout links follow
 * APP_URL whatever the port.
 */
function emulatorFetch(binding: Fetcher, publicBase: string): typeof fetch {
  return ((url: string, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    headers.set("X-Emulator-Public-Base", publicBase);
    return binding.fetch(url, { ...init, headers });
  }) as typeof fetch;
}

/**
 * The official Stripe SDK, built per request from env. In development and tests the Worker has a
 * STRIPE_EMULATOR service binding and every call goes through it; production has no such binding
 * and talks to api.stripe.com. Network errors, 409 lock timeouts and 5xx are retried by the SDK
 * with exponential backoff, 429 by our transport; every retry reuses our idempotency key.
 */
export function createStripe(app: Pick<AppContext, "env" | "config">): Stripe {
  const binding = app.config.APP_ENV !== "production" ? app.env.STRIPE_EMULATOR : undefined;
  const send: typeof fetch = binding ? emulatorFetch(binding, `${app.config.APP_URL}/_stripe`) : fetch;
  return new Stripe(app.config.STRIPE_SECRET_KEY, {
    httpClient: Stripe.createFetchHttpClient(retryingRateLimits(send)),
    maxNetworkRetries: 2,
    timeout: 10_000,
    appInfo: { name: "Coursemint", version: app.config.APP_VERSION },
  });
}

/**
 * The SDK's WebCrypto provider with the HMAC key imported once per signing secret: the SDK's own
 * imports the key again for every event, a measurable share of the acknowledgement (issue 16).
 * A CryptoKey holds no I/O, so the isolate's requests share it.
 */
function cachedKeyCryptoProvider(): Stripe.CryptoProvider {
  const keys = new Map<string, CryptoKey>();
  const encoder = new TextEncoder();
  const provider: Stripe.CryptoProvider = Object.create(Stripe.createSubtleCryptoProvider());
  provider.computeHMACSignatureAsync = async (payload: string, secret: string) => {
    let key = keys.get(secret);
    if (!key) keys.set(secret, (key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])));
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(payload)));
    return Array.from(mac, (byte) => byte.toString(16).padStart(2, "0")).join("");
  };
  return provider;
}
let cryptoProvider: Stripe.CryptoProvider | undefined;

/**
 * Verifies a webhook body with the SDK's async verifier. No Stripe client is built for it: the
 * verifier is static and needs only the signing secret (the acknowledgement is a hot path).
 */
export async function verifyWebhook(app: Pick<AppContext, "config">, rawBody: string, signature: string) {
  return Stripe.webhooks.constructEventAsync(rawBody, signature, app.config.STRIPE_WEBHOOK_SECRET, 300, (cryptoProvider ??= cachedKeyCryptoProvider()));
}

const DECLINE_MESSAGES: Record<string, string> = {
  insufficient_funds: "Your card was declined: insufficient funds.",
  expired_card: "Your card has expired. Use another card.",
  incorrect_cvc: "Your card's security code is incorrect.",
  lost_card: "Your card was declined.",
  stolen_card: "Your card was declined.",
  processing_error: "An error occurred while processing your card. Try again in a moment.",
  generic_decline: "Your card was declined.",
  card_declined: "Your card was declined.",
};

/** A message a payer understands for a card error, from Stripe's decline or error code. */
export function declineMessage(code: string | null | undefined, declineCode?: string | null): string {
  return DECLINE_MESSAGES[declineCode ?? ""] ?? DECLINE_MESSAGES[code ?? ""] ?? "Your card was declined.";
}

/** A Stripe answer that does not have the shape we rely on (an error body taken for success, a proxy page …). */
export class StripeResponseInvalid extends Error {
  constructor(what: string, issues: string[]) {
    super(`Stripe returned an invalid ${what}: ${issues.join("; ")}`);
    this.name = "StripeResponseInvalid";
  }
}

/** Validates the fields of a Stripe response we act on before anything is written from it. */
export function checkStripe<T>(schema: z.ZodType, value: T, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new StripeResponseInvalid(what, parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
  return value;
}

const stripeId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_\\w+$`));
const expandableId = (prefix: string) => z.union([stripeId(prefix), z.object({ id: stripeId(prefix) }).loose()]).nullish();
/** The fields of Stripe objects the money paths act on. */
export const stripeShapes = {
  checkoutSession: z.object({ id: stripeId("cs"), object: z.literal("checkout.session"), url: z.url().nullish(), payment_intent: expandableId("pi") }).loose(),
  paymentIntent: z
    .object({
      id: stripeId("pi"),
      object: z.literal("payment_intent"),
      status: z.enum(["requires_payment_method", "requires_confirmation", "requires_action", "processing", "requires_capture", "canceled", "succeeded"]),
      amount: z.number().int().nonnegative(),
      currency: z.string().length(3),
    })
    .loose(),
  refund: z.object({ id: stripeId("re"), object: z.literal("refund"), status: z.string().nullable(), amount: z.number().int().nonnegative() }).loose(),
  subscription: z.object({ id: stripeId("sub"), object: z.literal("subscription"), status: z.string() }).loose(),
} as const;

/**
 * Stripe's answer to a request whose idempotency key another request is still using (a retry that
 * met the first attempt, after the SDK's own retries): the first one's outcome decides, so this
 * request knows nothing yet. Never a refusal.
 */
export function inFlightAtStripe(error: unknown): boolean {
  if (!(error instanceof Stripe.errors.StripeError) || error.statusCode !== 409) return false;
  return error.code === "idempotency_key_in_use" || error.code === "lock_timeout" || error.type === "StripeLockTimeoutError";
}

/**
 * True when Stripe may have acted on a request although we have no valid answer: the connection
 * broke, Stripe failed (5xx) or the answer was not what Stripe sends. Such a call stays reserved and
 * the webhook sync (or the next retry with the same idempotency key) settles it; it is never marked
 * failed on a guess. A 4xx (decline, invalid request, rate limit) is a definite "not done".
 */
export function outcomeUnknown(error: unknown): boolean {
  if (error instanceof StripeResponseInvalid || inFlightAtStripe(error)) return true;
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError) return true;
  return error instanceof Stripe.errors.StripeError && (error.statusCode ?? 0) >= 500;
}

/**
 * Maps a Stripe SDK error to our AppError: card errors → 402 with a friendly message; outages
 * (after the SDK's retries) → 503; anything else is our bug → 500 (details logged, never shown).
 */
export function mapStripeError(app: Pick<AppContext, "logger">, error: unknown): AppError {
  if (error instanceof Stripe.errors.StripeCardError) {
    return new AppError("payment_required", declineMessage(error.code, error.decline_code), {
      details: { code: error.code, declineCode: error.decline_code ?? null },
      cause: error,
    });
  }
  if (inFlightAtStripe(error)) {
    app.logger.warn("stripe.request_in_flight", { error: (error as Error).message });
    return new AppError("conflict", "This is already being processed with our payment provider. Check again in a moment; you will not be charged twice.", { cause: error });
  }
  if (outcomeUnknown(error)) {
    app.logger.error("stripe.outcome_unknown", { error: (error as Error).message, type: (error as Stripe.errors.StripeError).type });
    return new AppError("upstream_unavailable", "We could not confirm this with our payment provider. You will not be charged twice; check again in a moment.", {
      cause: error,
    });
  }
  if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "charge_disputed") {
    return new AppError("conflict", "This payment is disputed with the cardholder's bank; it cannot be refunded while the dispute is open.", { cause: error });
  }
  if (error instanceof Stripe.errors.StripeRateLimitError) {
    app.logger.error("stripe.unavailable", { error: (error as Error).message, type: (error as Stripe.errors.StripeError).type });
    return new AppError("upstream_unavailable", "Our payment provider is unavailable right now. Nothing was charged; please try again shortly.", {
      cause: error,
    });
  }
  app.logger.error("stripe.request_failed", { error });
  return new AppError("internal", "Something went wrong on our side. Please try again.", { cause: error });
}

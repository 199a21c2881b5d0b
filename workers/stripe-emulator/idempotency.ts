// Stripe's Idempotency-Key on POST: same key + same request replays the first response (with
// `Idempotent-Replayed: true`), same key + other parameters is an `idempotency_error`, and a key
// whose first request is still running answers 409.
import type { Store } from "./store";

export class IdempotencyKeys {
  private inFlight = new Set<string>();

  constructor(private store: Store) {}

  /** A response to answer instead of running the request, or null after reserving the key. */
  begin(key: string, fingerprint: string, headers: Record<string, string>): Response | null {
    const saved = this.store.idempotencyGet(key);
    if (saved && saved.fingerprint !== fingerprint) {
      return jsonResponse(
        { error: { type: "idempotency_error", message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` } },
        400,
        headers,
      );
    }
    if (saved) return new Response(saved.body, { status: saved.status, headers: { "Content-Type": "application/json", ...headers, "Idempotency-Key": key, "Idempotent-Replayed": "true" } });
    if (this.inFlight.has(key)) {
      return jsonResponse({ error: { type: "invalid_request_error", code: "idempotency_key_in_use", message: "There is currently another in-progress request using this Stripe-Idempotency-Key. Please try again later." } }, 409, headers);
    }
    this.inFlight.add(key);
    return null;
  }

  /** Releases the key (the request ended, even by an unexpected error). */
  release(key: string) {
    this.inFlight.delete(key);
  }

  /** Stores the outcome that later requests with the key replay. */
  save(key: string, fingerprint: string, status: number, body: string) {
    this.store.idempotencyPut(key, fingerprint, status, body);
  }
}

export const jsonResponse = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body, null, 2), { status, headers: { "Content-Type": "application/json", ...headers } });

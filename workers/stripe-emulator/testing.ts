// Test controls for the emulator (its /_emulator/* endpoints), usable from any vitest file that has
// the STRIPE_EMULATOR binding. The API key chooses the emulated account, so a test file that uses
// its own key (e.g. `sk_test_${crypto.randomUUID()}`) is isolated from every other file.
import type { WebhookConfig } from "./webhooks";

export interface SignedDelivery {
  id: string;
  event_id: string;
  type: string;
  url: string;
  attempt: number;
  body: string;
  headers: Record<string, string>;
}

export interface FaultSpec {
  /** "slow" carries the request out but holds its idempotency key for `delay_ms` first (a lock another retry meets as 409). */
  type: "500" | "429" | "timeout" | "network" | "empty" | "slow";
  /** Carry the request out first, then answer with the fault (the response is lost). */
  after?: boolean;
  count?: number;
  /** Only calls whose path starts with this, e.g. "/v1/payment_intents". */
  path?: string;
  /** Only calls with this HTTP method ("POST"), so a retrieve of the same path is not hit. */
  method?: string;
  /** For "timeout": how long the emulator waits before answering 504; for "slow": how long the key is held. */
  delay_ms?: number;
}

/** What a buyer types on the hosted Checkout page: the card, and the billing address and tax ID when asked. */
export interface CheckoutBuyer {
  name?: string;
  card?: string;
  email?: string;
  country?: string;
  state?: string;
  postal_code?: string;
  line1?: string;
  city?: string;
  business_name?: string;
  tax_id?: string;
}

const BUYER_FIELDS = ["country", "state", "postal_code", "line1", "city", "business_name", "tax_id"] as const;
const buyerFields = (form: CheckoutBuyer) => Object.fromEntries(BUYER_FIELDS.flatMap((f) => (form[f] ? [[f, form[f]!]] : [])));

/** The account's webhook delivery settings (and emulator options), as `configure()` takes them. */
export type WebhookSettings = WebhookConfig;

export class EmulatorControl {
  constructor(
    readonly binding: Fetcher,
    readonly apiKey: string,
  ) {}

  async call<T = any>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const response = await this.binding.fetch(`http://stripe-emulator/_emulator${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: { Authorization: `Bearer ${this.apiKey}`, "Content-Type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const data = await response.json();
    if (!response.ok) throw new Error(`emulator ${path}: ${response.status} ${JSON.stringify(data)}`);
    return data as T;
  }

  configure(settings: Partial<WebhookSettings>) {
    return this.call<WebhookSettings>("/config", { body: settings });
  }

  reset() {
    return this.call("/reset", { method: "POST", body: {} });
  }

  /** Makes the next `count` Stripe API calls fail. */
  fault(spec: FaultSpec) {
    return this.call("/faults", { body: spec });
  }

  clearFaults() {
    return this.call("/faults", { method: "DELETE" });
  }

  async events(type?: string): Promise<Array<Record<string, any>>> {
    return (await this.call(`/events${type ? `?type=${encodeURIComponent(type)}` : ""}`)).data;
  }

  resend(eventId: string, copies = 1) {
    return this.call(`/events/${eventId}/resend`, { body: { copies } });
  }

  /** Signed deliveries that are due (all=true: also those waiting for a retry backoff). */
  async pending(all = false): Promise<SignedDelivery[]> {
    return (await this.call(`/webhooks/pending${all ? "?all=true" : ""}`)).data;
  }

  report(deliveryId: string, status: number | null, error?: string) {
    return this.call(`/webhooks/deliveries/${deliveryId}/result`, { body: { status, error } });
  }

  /** Push mode: deliver every pending webhook now, ignoring backoff. */
  async flush() {
    return (await this.call("/webhooks/flush", { body: {} })).data as Array<{ id: string; event_id: string; type: string; status: number | null; error: string | null }>;
  }

  /**
   * Pull mode: POSTs each due signed webhook with `send` (e.g. `(r) => SELF.fetch(r)` or
   * `exports.default.fetch`) and reports the answer back, so non-2xx are retried like Stripe does.
   * `only` delivers just the matching deliveries (the rest stay pending). Returns what was
   * delivered, in delivery order.
   */
  async deliverWebhooks(send: (request: Request) => Promise<Response>, options: { all?: boolean; url?: string; only?: (delivery: SignedDelivery) => boolean } = {}) {
    const delivered: Array<SignedDelivery & { status: number | null }> = [];
    for (const d of await this.pending(options.all ?? true)) {
      if (options.only && !options.only(d)) continue;
      let status: number | null = null;
      let error: string | undefined;
      try {
        const response = await send(new Request(options.url ?? d.url, { method: "POST", headers: d.headers, body: d.body }));
        status = response.status;
        await response.body?.cancel();
      } catch (e) {
        error = String(e);
      }
      await this.report(d.id, status, error);
      delivered.push({ ...d, status });
    }
    return delivered;
  }

  /** Fills in and submits the hosted Checkout page like a browser; returns the redirect (303) or the page with an error (402). */
  completeCheckout(url: string, form: CheckoutBuyer = {}) {
    const body = new URLSearchParams({ name: form.name ?? "Test Learner", card: form.card ?? "4242 4242 4242 4242", email: form.email ?? "", ...buyerFields(form) });
    return this.binding.fetch(url, { method: "POST", body, redirect: "manual", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  }

  /** Presses the hosted Checkout page's "Update total with tax" with this address (and tax ID); returns the page. */
  previewCheckoutTax(url: string, form: CheckoutBuyer = {}) {
    const body = new URLSearchParams({ action: "calculate", name: form.name ?? "", card: "", email: form.email ?? "", ...buyerFields(form) });
    return this.binding.fetch(url, { method: "POST", body, redirect: "manual", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  }

  /** Every API operation the emulator serves ("GET /v1/customers/:id" ...). */
  async operations(): Promise<string[]> {
    return (await this.call("/routes")).data;
  }

  /** Submits a Connect onboarding (account link) page; the account becomes payouts-enabled. */
  completeOnboarding(url: string) {
    return this.binding.fetch(url, { method: "POST", redirect: "manual" });
  }
}

// Webhook deliveries of the account's events: signed like Stripe's, pushed to the app (with retries
// and exponential backoff, driven by the Durable Object's alarm) or pulled by tests, with test
// controls for duplicates, order and pausing.
import { DEFAULT_WEBHOOK_SECRET, stripeSignature } from "./signature";
import type { Delivery, Obj, Store } from "./store";

export interface WebhookEnv {
  /** Where webhooks go (path is kept when WEBHOOK_TARGET is bound). */
  WEBHOOK_URL?: string;
  /** "push" (POST each event, retry with backoff) or "pull" (tests fetch signed deliveries). */
  WEBHOOK_MODE?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  WEBHOOK_RETRY_BASE_MS?: string;
  /** Optional service binding to the app, used instead of a network fetch of WEBHOOK_URL. */
  WEBHOOK_TARGET?: Fetcher;
}

export interface WebhookConfig {
  mode: "push" | "pull";
  url: string;
  secret: string;
  paused: boolean;
  order: "in_order" | "reverse" | "shuffle";
  duplicates: number;
  retry_base_ms: number;
  max_attempts: number;
  /** Not webhooks: the old, kinder Connect behaviour where transfers never fail for lack of balance. */
  unlimited_platform_balance: boolean;
}

export const WEBHOOK_CONFIG_KEYS = ["mode", "url", "secret", "paused", "order", "duplicates", "retry_base_ms", "max_attempts", "unlimited_platform_balance"] as const;

export class Webhooks {
  constructor(
    private store: Store,
    private env: WebhookEnv,
    private storage: DurableObjectStorage,
  ) {}

  config(): WebhookConfig {
    const saved = this.store.kvGet<Partial<WebhookConfig>>("config") ?? {};
    return {
      mode: this.env.WEBHOOK_MODE === "pull" ? "pull" : "push",
      url: this.env.WEBHOOK_URL ?? "http://127.0.0.1:8787/api/webhooks/stripe",
      secret: this.env.STRIPE_WEBHOOK_SECRET ?? DEFAULT_WEBHOOK_SECRET,
      paused: false,
      order: "in_order",
      duplicates: 1,
      retry_base_ms: Number(this.env.WEBHOOK_RETRY_BASE_MS ?? 1000),
      max_attempts: 8,
      unlimited_platform_balance: false,
      ...saved,
    };
  }

  async configure(body: Obj) {
    const saved = this.store.kvGet<Partial<WebhookConfig>>("config") ?? {};
    for (const k of WEBHOOK_CONFIG_KEYS) if (body[k] !== undefined) (saved as Obj)[k] = body[k];
    this.store.kvSet("config", saved);
    await this.armAlarm();
    return this.config();
  }

  /** New events were raised: push mode delivers them from the alarm. */
  async schedule() {
    const config = this.config();
    if (config.mode === "push" && !config.paused) await this.storage.setAlarm(Date.now());
  }

  ordered(deliveries: Delivery[], order: WebhookConfig["order"]) {
    if (order === "reverse") return [...deliveries].reverse();
    if (order === "shuffle") {
      const out = [...deliveries];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    }
    return deliveries;
  }

  /** Due deliveries (all: also those waiting for their backoff), in the configured order. */
  due(all: boolean) {
    const config = this.config();
    const due = this.store.deliveries(all ? "status = 'pending'" : "status = 'pending' AND next_attempt_at <= ?", ...(all ? [] : [Date.now()]));
    return this.ordered(due, config.order);
  }

  async signed(delivery: Delivery, config = this.config()) {
    const event = this.store.get(delivery.event_id)!;
    const body = JSON.stringify(event, null, 2);
    return {
      id: delivery.id,
      event_id: event.id,
      type: event.type as string,
      url: config.url,
      attempt: delivery.attempts + 1,
      body,
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        "Stripe-Signature": await stripeSignature(config.secret, body),
      },
    };
  }

  /** Records the endpoint's answer; non-2xx is retried with exponential backoff. */
  recordResult(delivery: Delivery, status: number | null, error: string | null, config = this.config()) {
    const attempts = delivery.attempts + 1;
    if (status !== null && status >= 200 && status < 300) {
      this.store.updateDelivery(delivery.id, { status: "delivered", attempts, last_status: status, last_error: null, delivered_at: Date.now() });
      return;
    }
    const failed = attempts >= config.max_attempts;
    const backoff = Math.min(config.retry_base_ms * 2 ** (attempts - 1), 3_600_000);
    this.store.updateDelivery(delivery.id, {
      status: failed ? "failed" : "pending",
      attempts,
      last_status: status,
      last_error: error,
      next_attempt_at: Date.now() + backoff,
    });
  }

  /** Push mode: POSTs due deliveries (force: ignoring backoff) and records the answers. */
  async deliver(force: boolean) {
    const config = this.config();
    const results: Obj[] = [];
    for (const delivery of this.due(force)) {
      const signed = await this.signed(delivery, config);
      let status: number | null = null;
      let error: string | null = null;
      try {
        const init = { method: "POST", headers: signed.headers, body: signed.body };
        const response = this.env.WEBHOOK_TARGET ? await this.env.WEBHOOK_TARGET.fetch(config.url, init) : await fetch(config.url, init);
        status = response.status;
        await response.body?.cancel();
      } catch (e) {
        error = String(e);
      }
      this.recordResult(delivery, status, error, config);
      results.push({ id: delivery.id, event_id: signed.event_id, type: signed.type, status, error });
    }
    await this.armAlarm();
    return results;
  }

  async armAlarm() {
    const config = this.config();
    if (config.mode !== "push" || config.paused) return;
    const next = this.store.deliveries("status = 'pending'").reduce((min, d) => Math.min(min, d.next_attempt_at), Infinity);
    if (Number.isFinite(next)) await this.storage.setAlarm(Math.max(next, Date.now()));
  }

  async alarm() {
    const config = this.config();
    if (config.mode === "push" && !config.paused) await this.deliver(false);
  }
}

// What every emulated resource shares: the account's store, the request being served, emulated
// time (test clocks), loading objects with Stripe's 404, and raising events.
import { notFound } from "./errors";
import { omitIncludable } from "./expand";
import type { Params } from "./form";
import { newId } from "./ids";
import type { Obj, Store } from "./store";

export const API_VERSION = "2026-10-28.endive";
export const DAY = 86_400;

export interface EmulatorOptions {
  /** Public base of the hosted pages, e.g. http://localhost:8787/_stripe */
  publicBase: string;
  namespace: string;
  /** Webhook deliveries queued per event (more than 1 simulates Stripe's duplicate deliveries). */
  deliveriesPerEvent: number;
  /** Old, kinder behaviour: transfers never fail for lack of platform balance (config `unlimited_platform_balance`). */
  unlimitedPlatformBalance?: boolean;
}

export type Handler = (p: Params, m: string[]) => Obj | Promise<Obj>;
export type Route = (method: string, path: string, handler: Handler) => void;

/**
 * The resource modules, reachable from each other as `em.customers`, `em.invoices` ... Each module
 * under resources/ adds itself here (`declare module`), so no module imports another one and
 * core.ts imports none of them; emulator.ts creates them.
 */
export interface Resources {}

export interface EmulatorCore extends Resources {}

export class EmulatorCore {
  /** Events raised by the current request (for the request's webhook scheduling). */
  newEvents = 0;
  /** The events raised by the current request, as sent (for the conformance capture). */
  readonly emitted: Obj[] = [];
  /** The route that served the current request, e.g. "GET /v1/customers/:id". */
  operation = "";
  protected requestId = "";
  protected idempotencyKey: string | null = null;
  /** Set while a test clock advances: the time the simulated work happens at. */
  clockNow: number | null = null;

  constructor(
    readonly store: Store,
    readonly options: EmulatorOptions,
  ) {}

  // ---------- time ----------
  realNow() {
    return Math.floor(Date.now() / 1000);
  }

  /** Time for objects of a customer: the frozen time of its test clock, if any. */
  now(customerId?: string | null) {
    if (this.clockNow !== null) return this.clockNow;
    if (customerId) {
      const customer = this.store.get(customerId);
      if (customer?.test_clock) {
        const clock = this.store.get(customer.test_clock);
        if (clock) return clock.frozen_time as number;
      }
    }
    return this.realNow();
  }

  // ---------- objects ----------
  base(prefix: string, object: string, created = this.realNow()): { id: string; object: string; created: number; livemode: false } {
    return { id: newId(prefix), object, created, livemode: false };
  }

  load(kind: string, id: string, type: string, param = "id"): Obj {
    const found = this.store.get(id);
    if (!found || found.object !== type || found.deleted) throw notFound(kind, id, param);
    return found;
  }

  // ---------- events ----------
  emit(type: string, object: Obj, previous?: Obj) {
    const event = {
      id: newId("evt"),
      object: "event",
      api_version: API_VERSION,
      created: this.realNow(),
      data: { object: omitIncludable(structuredClone(object)), ...(previous ? { previous_attributes: omitIncludable(structuredClone(previous)) } : {}) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: this.clockNow === null ? this.requestId || null : null, idempotency_key: this.clockNow === null ? this.idempotencyKey : null },
      type,
    };
    this.store.put(event);
    this.emitted.push(event);
    for (let i = 0; i < this.options.deliveriesPerEvent; i++) this.store.addDelivery(event.id, Date.now());
    this.newEvents++;
    return event;
  }

  /**
   * The previous values of the top-level fields that changed (an event's `previous_attributes`).
   * A field the object did not have before is left out (Stripe never reports a made-up `null`).
   */
  diff(before: Obj, after: Obj) {
    const prev: Obj = {};
    for (const k of Object.keys(after)) {
      if (k in before && JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k];
    }
    return prev;
  }

  /** Saves an updated object and emits `<type>.updated` with previous_attributes when it changed. */
  saveUpdated(eventType: string, before: Obj, after: Obj) {
    this.store.put(after);
    const prev = this.diff(before, after);
    if (Object.keys(prev).length) this.emit(eventType, after, prev);
    return after;
  }
}

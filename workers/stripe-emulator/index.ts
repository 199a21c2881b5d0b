// Stripe emulator Worker: answers Stripe's REST API (any host, paths like /v1/customers), serves the
// hosted Checkout / onboarding pages, signs and delivers webhooks, and exposes test controls under
// /_emulator/*. Each secret key is its own emulated account: one Durable Object per key.
import { DurableObject } from "cloudflare:workers";
import { API_VERSION } from "./core";
import { Emulator } from "./emulator";
import { StripeError } from "./errors";
import { parseForm, type Params } from "./form";
import { IdempotencyKeys, jsonResponse as json } from "./idempotency";
import { newId } from "./ids";
import { CHECKOUT_FIELDS, checkoutPage, html, invoicePage, onboardingPage } from "./pages";
import { type Obj, Store } from "./store";
import { type WebhookEnv, Webhooks } from "./webhooks";

export type { WebhookConfig } from "./webhooks";

export interface EmulatorEnv extends WebhookEnv {
  EMULATOR: DurableObjectNamespace<StripeEmulator>;
  /** Public base URL of the hosted pages (the app proxies /_stripe/* here in development). */
  PUBLIC_BASE_URL?: string;
  /**
   * "1" (the test config): every API response and event is also recorded in one shared Durable
   * Object, drained by the tests' conformance check (`GET /_emulator/conformance`).
   */
  CONFORMANCE_CAPTURE?: string;
}

/** Name of the Durable Object that collects captured responses and events for the conformance check. */
const CONFORMANCE = "__conformance__";

export interface Fault {
  /** "slow": the request is carried out normally, but holds its idempotency key for `delay_ms` first (other requests with the key get 409). */
  type: "500" | "429" | "timeout" | "network" | "empty" | "slow";
  /** Carry the request out first, then answer with the fault (the response is lost). */
  after?: boolean;
  remaining: number;
  path?: string;
  /** Only calls with this HTTP method (e.g. "POST", so a retrieve of the same path is not hit). */
  method?: string;
  delay_ms?: number;
}

const NS_HEADER = "X-Emulator-Namespace";
/**
 * Where the browser reaches the hosted pages, sent by the app with each API call and each hosted page
 * it proxies (its APP_URL + "/_stripe"), so Checkout and invoice links follow whatever port the app
 * runs on. PUBLIC_BASE_URL is the default for callers that send none.
 */
const PUBLIC_BASE_HEADER = "X-Emulator-Public-Base";

async function namespaceFor(key: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return [...new Uint8Array(digest).slice(0, 10)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function apiKey(request: Request): string | null {
  const auth = request.headers.get("Authorization") ?? "";
  if (auth.startsWith("Bearer ")) return auth.slice(7).trim();
  if (auth.startsWith("Basic ")) return atob(auth.slice(6)).split(":")[0] ?? null;
  return null;
}

const authError = (message: string) =>
  json({ error: { type: "invalid_request_error", message } }, 401, { "WWW-Authenticate": 'Basic realm="Stripe"', "Request-Id": newId("req", 14) });

/** 400/404 `invalid_request_error`s are raised before anything changes: parameters that failed validation. */
const failedValidation = (status: number, body: string) => (status === 400 || status === 404) && JSON.parse(body).error?.type === "invalid_request_error";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const path = url.pathname.replace(/^\/_stripe(?=\/|$)/, "") || "/";
    let namespace: string;
    const page = /^\/(?:c\/(?:pay|setup)|i)\/([0-9a-f]{20})\//.exec(path);
    if (page) namespace = page[1]!;
    else if (path.startsWith("/v1/") || path.startsWith("/_emulator/")) {
      const key = apiKey(request);
      if (!key) return authError("You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
      if (!/^(sk|rk)_test_\w+/.test(key)) return authError(`Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`);
      namespace = await namespaceFor(key);
    } else if (path === "/" || path === "/health") {
      return json({ object: "emulator", name: "coursemint-stripe-emulator", docs: "docs/stripe-emulator.md" });
    } else {
      return json({ error: { type: "invalid_request_error", message: `Unrecognized request URL (${request.method}: ${path}).` } }, 404);
    }
    if (path === "/_emulator/conformance") {
      // Drains what every account captured (see CONFORMANCE_CAPTURE).
      return env.EMULATOR.get(env.EMULATOR.idFromName(CONFORMANCE)).fetch("https://emulator/_conformance/drain", { method: "POST", headers: { [NS_HEADER]: CONFORMANCE } });
    }
    const stub = env.EMULATOR.get(env.EMULATOR.idFromName(namespace));
    const headers = new Headers(request.headers);
    headers.set(NS_HEADER, namespace);
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    const inner = new Request(`https://emulator${path}${url.search}`, { method: request.method, headers, body, redirect: "manual" });
    const response = await stub.fetch(inner);
    if (response.headers.get("X-Emulator-Fault") === "network") {
      // The connection drops before any response: the client sees a network error.
      throw new Error("Network connection lost.");
    }
    return response;
  },
} satisfies ExportedHandler<EmulatorEnv>;

export class StripeEmulator extends DurableObject<EmulatorEnv> {
  private store: Store;
  private webhooks: Webhooks;
  private idempotency: IdempotencyKeys;

  constructor(ctx: DurableObjectState, env: EmulatorEnv) {
    super(ctx, env);
    this.store = new Store(ctx.storage.sql);
    this.webhooks = new Webhooks(this.store, env, ctx.storage);
    this.idempotency = new IdempotencyKeys(this.store);
  }

  private emulator(namespace: string, requestedBase?: string | null) {
    const base = requestedBase && /^https?:\/\/[^\s"'<>]+$/.test(requestedBase) ? requestedBase : this.env.PUBLIC_BASE_URL;
    return new Emulator(this.store, {
      namespace,
      publicBase: (base ?? "http://localhost:8787/_stripe").replace(/\/$/, ""),
      deliveriesPerEvent: Math.max(1, this.webhooks.config().duplicates),
      unlimitedPlatformBalance: this.webhooks.config().unlimited_platform_balance === true,
    });
  }

  override async fetch(request: Request): Promise<Response> {
    const namespace = request.headers.get(NS_HEADER)!;
    const url = new URL(request.url);
    const path = url.pathname;
    try {
      if (path.startsWith("/_conformance/")) return await this.conformance(request, path);
      if (path.startsWith("/v1/")) return await this.api(request, namespace, url);
      if (path.startsWith("/_emulator/")) return await this.admin(request, namespace, url);
      return await this.pages(request, namespace, path);
    } catch (error) {
      if (error instanceof StripeError) return json(error.toJSON(), error.status);
      console.error(JSON.stringify({ level: "error", event: "stripe_emulator.error", message: String(error), stack: (error as Error).stack }));
      return json({ error: { type: "api_error", message: "An unknown error occurred in the Stripe emulator." } }, 500);
    }
  }

  // ---------- Stripe API ----------
  private async api(request: Request, namespace: string, url: URL) {
    const requestId = newId("req", 14);
    const common = { "Request-Id": requestId, "Stripe-Version": request.headers.get("Stripe-Version") ?? API_VERSION };
    const fault = this.takeFault(url.pathname, request.method.toUpperCase());
    if (fault?.type === "slow") return this.serve(request, namespace, url, requestId, common, fault.delay_ms ?? 5_000);
    if (fault && !fault.after) return this.faultResponse(fault, common);
    const response = await this.serve(request, namespace, url, requestId, common);
    // An "after" fault: the request was carried out, then its answer is lost (a lost response).
    return fault ? this.faultResponse(fault, common) : response;
  }

  private async faultResponse(fault: Fault, common: Record<string, string>) {
    if (fault.type === "empty") return json({}, 200, common);
    if (fault.type === "network") return new Response(null, { status: 502, headers: { "X-Emulator-Fault": "network" } });
    if (fault.type === "timeout") {
      await new Promise((resolve) => setTimeout(resolve, fault.delay_ms ?? 10_000));
      return json({ error: { type: "api_error", message: "The request timed out (emulated fault)." } }, 504, common);
    }
    if (fault.type === "429") {
      return json({ error: { type: "invalid_request_error", code: "rate_limit", message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits." } }, 429, common);
    }
    return json({ error: { type: "api_error", message: "An unknown error occurred (emulated fault)." } }, 500, common);
  }

  private async serve(request: Request, namespace: string, url: URL, requestId: string, common: Record<string, string>, holdMs = 0) {
    const method = request.method.toUpperCase();
    const raw = method === "GET" || method === "HEAD" ? url.search.slice(1) : new TextDecoder().decode(await request.arrayBuffer());
    const params: Params = parseForm(method === "GET" ? url.search.slice(1) : raw);
    if (method === "DELETE" && url.search) Object.assign(params, parseForm(url.search.slice(1)));
    const key = method === "POST" ? request.headers.get("Idempotency-Key") : null;
    const fingerprint = `${method} ${url.pathname} ${raw}`;
    if (key) {
      const answer = this.idempotency.begin(key, fingerprint, common);
      if (answer) return answer;
    }
    if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
    const emulator = this.emulator(namespace, request.headers.get(PUBLIC_BASE_HEADER));
    let status = 200;
    let body: string;
    try {
      body = JSON.stringify(await emulator.dispatch(method, url.pathname, params, requestId, key), null, 2);
    } catch (error) {
      if (!(error instanceof StripeError)) throw error;
      status = error.status;
      body = JSON.stringify({ error: { ...error.toJSON().error, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` } }, null, 2);
    } finally {
      if (key) this.idempotency.release(key);
    }
    // Stripe saves no result for a request that failed validation (the endpoint never ran), so the
    // corrected retry with the same key goes through.
    if (key && !failedValidation(status, body)) this.idempotency.save(key, fingerprint, status, body);
    if (emulator.newEvents) await this.webhooks.schedule();
    await this.capture(emulator, status === 200 ? body : null, namespace);
    return new Response(body, { status, headers: { "Content-Type": "application/json", ...common, ...(key ? { "Idempotency-Key": key } : {}) } });
  }

  private takeFault(path: string, method: string): Fault | null {
    const faults = this.store.kvGet<Fault[]>("faults") ?? [];
    const fault = faults.find((f) => f.remaining > 0 && (!f.path || path.startsWith(f.path)) && (!f.method || f.method === method));
    if (!fault) return null;
    fault.remaining -= 1;
    this.store.kvSet("faults", faults.filter((f) => f.remaining > 0));
    return fault;
  }

  // ---------- conformance capture ----------
  /** Whether the "__conformance__" object knows this account has captures waiting. */
  private captureRegistered = false;

  private captureTable() {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS captures (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, operation TEXT NOT NULL, body TEXT NOT NULL)");
    return this.ctx.storage.sql;
  }

  /**
   * Records the response body (when given) and the events of this request in this account's
   * capture table, and tells the "__conformance__" object (once) that there is something to drain.
   */
  private async capture(emulator: Emulator, body: string | null, namespace: string) {
    if (this.env.CONFORMANCE_CAPTURE !== "1") return;
    const entries = emulator.emitted.map((e) => ({ kind: "event", operation: e.type as string, body: JSON.stringify(e) }));
    if (body !== null) entries.unshift({ kind: "response", operation: emulator.operation, body });
    if (!entries.length) return;
    const sql = this.captureTable();
    for (const e of entries) sql.exec("INSERT INTO captures (kind, operation, body) VALUES (?, ?, ?)", e.kind, e.operation, e.body);
    if (!this.captureRegistered) {
      const registry = this.env.EMULATOR.get(this.env.EMULATOR.idFromName(CONFORMANCE));
      await registry.fetch("https://emulator/_conformance/register", { method: "POST", headers: { [NS_HEADER]: CONFORMANCE }, body: namespace });
      this.captureRegistered = true;
    }
  }

  /**
   * Conformance capture endpoints: `register` and `drain` in the "__conformance__" object (a
   * registry of accounts with captures), `take` in an account (hands over and clears its captures).
   */
  private async conformance(request: Request, path: string) {
    const sql = this.captureTable();
    if (path === "/_conformance/take") {
      const rows = sql.exec<{ kind: string; operation: string; body: string }>("SELECT kind, operation, body FROM captures ORDER BY seq").toArray();
      sql.exec("DELETE FROM captures");
      this.captureRegistered = false;
      return json({ object: "list", data: rows });
    }
    sql.exec("CREATE TABLE IF NOT EXISTS capture_accounts (namespace TEXT PRIMARY KEY)");
    if (path === "/_conformance/register") {
      sql.exec("INSERT OR IGNORE INTO capture_accounts (namespace) VALUES (?)", await request.text());
      return json({ registered: true });
    }
    // drain: forget the registry first (an account capturing meanwhile registers again), then take.
    const namespaces = sql.exec<{ namespace: string }>("SELECT namespace FROM capture_accounts").toArray().map((r) => r.namespace);
    sql.exec("DELETE FROM capture_accounts");
    const data: unknown[] = [];
    for (const ns of namespaces) {
      const taken = await this.env.EMULATOR.get(this.env.EMULATOR.idFromName(ns)).fetch("https://emulator/_conformance/take", { method: "POST", headers: { [NS_HEADER]: ns } });
      data.push(...((await taken.json()) as { data: unknown[] }).data);
    }
    return json({ object: "list", data });
  }

  // ---------- hosted pages ----------
  private async pages(request: Request, namespace: string, path: string) {
    const emulator = this.emulator(namespace, request.headers.get(PUBLIC_BASE_HEADER));
    const pay = /^\/c\/pay\/[0-9a-f]+\/(cs_test_\w+)$/.exec(path);
    if (pay) {
      const id = pay[1]!;
      const session = this.store.get(id);
      if (!session || session.object !== "checkout.session") return html("<h1>Checkout session not found</h1>", 404);
      const lineItems = (this.store.internal(id).lineItems ?? []) as Obj[];
      const customer = typeof session.customer === "string" ? this.store.get(session.customer) : null;
      const customerEmail = customer && typeof customer.email === "string" ? customer.email : null;
      if (request.method === "GET") return html(checkoutPage(session, lineItems, undefined, customerEmail));
      const form = await request.formData();
      const field = (name: string) => String(form.get(name) ?? "");
      const entered = Object.fromEntries(CHECKOUT_FIELDS.map((name) => [name, field(name)])) as Record<(typeof CHECKOUT_FIELDS)[number], string>;
      if (field("action") === "calculate") {
        // "Update total": the tax for the address entered, the page shown again with what was typed.
        try {
          const updated = emulator.previewCheckoutTax(id, entered);
          await this.capture(emulator, null, namespace);
          return html(checkoutPage(updated, (this.store.internal(id).lineItems ?? []) as Obj[], undefined, customerEmail, entered));
        } catch (error) {
          if (!(error instanceof StripeError)) throw error;
          return html(checkoutPage(this.store.get(id)!, lineItems, error.message, customerEmail, entered), error.status);
        }
      }
      try {
        const done = emulator.completeCheckout(id, entered);
        if (emulator.newEvents) await this.webhooks.schedule();
        await this.capture(emulator, null, namespace);
        const target = String(done.success_url ?? "/").replace("{CHECKOUT_SESSION_ID}", id);
        return new Response(null, { status: 303, headers: { Location: target } });
      } catch (error) {
        if (emulator.newEvents) await this.webhooks.schedule();
        await this.capture(emulator, null, namespace);
        if (!(error instanceof StripeError)) throw error;
        return html(checkoutPage(this.store.get(id)!, (this.store.internal(id).lineItems ?? []) as Obj[], error.message, customerEmail, entered), error.status === 402 ? 402 : error.status);
      }
    }
    const setup = /^\/c\/setup\/[0-9a-f]+\/(acctlink_\w+)$/.exec(path);
    if (setup) {
      const link = this.store.kvGet<Obj>(`account_link:${setup[1]}`);
      if (!link) return html("<h1>This onboarding link has expired</h1>", 404);
      if (request.method === "GET") return html(onboardingPage(this.store.get(link.account)!));
      const { returnUrl } = emulator.completeOnboarding(setup[1]!);
      await this.webhooks.schedule();
      await this.capture(emulator, null, namespace);
      return returnUrl ? new Response(null, { status: 303, headers: { Location: returnUrl } }) : html("<h1>Onboarding complete</h1>");
    }
    const invoice = /^\/i\/[0-9a-f]+\/(in_\w+)$/.exec(path);
    if (invoice) {
      const found = this.store.get(invoice[1]!);
      return found ? html(invoicePage(found)) : html("<h1>Invoice not found</h1>", 404);
    }
    return html("<h1>Not found</h1>", 404);
  }

  override async alarm() {
    const namespace = this.store.kvGet<string>("namespace");
    if (namespace) await this.openScheduledDisputes(namespace);
    await this.webhooks.alarm();
  }

  /**
   * Disputes of the dispute test cards open "shortly after" the charge: at the account's next
   * delivery (pull, flush or push alarm) or test clock advance, after the charge's own events.
   */
  private async openScheduledDisputes(namespace: string) {
    const emulator = this.emulator(namespace);
    if (!emulator.openScheduledDisputes()) return;
    await this.capture(emulator, null, namespace);
    await this.webhooks.armAlarm();
  }

  // ---------- /_emulator test controls ----------
  private async admin(request: Request, namespace: string, url: URL) {
    const path = url.pathname.slice("/_emulator".length);
    const method = request.method.toUpperCase();
    const body = method === "POST" ? ((await request.json().catch(() => ({}))) as Obj) : {};
    const config = this.webhooks.config();

    if (path === "/config" && method === "GET") return json(config);
    if (path === "/config" && method === "POST") return json(await this.webhooks.configure(body));
    if (path === "/reset" && method === "POST") {
      this.store.reset();
      await this.ctx.storage.deleteAlarm();
      return json({ reset: true, namespace });
    }
    if (path === "/faults" && method === "GET") return json({ object: "list", data: this.store.kvGet<Fault[]>("faults") ?? [] });
    if (path === "/faults" && method === "POST") {
      const type = String(body.type ?? "500") as Fault["type"];
      if (!["500", "429", "timeout", "network", "empty", "slow"].includes(type)) return json({ error: { message: "type must be one of 500, 429, timeout, network, empty, slow" } }, 400);
      const fault: Fault = {
        type,
        remaining: Number(body.count ?? 1),
        ...(body.path ? { path: String(body.path) } : {}),
        ...(body.method ? { method: String(body.method).toUpperCase() } : {}),
        ...(body.delay_ms !== undefined ? { delay_ms: Number(body.delay_ms) } : {}),
        ...(body.after === true || body.after === "true" ? { after: true } : {}),
      };
      this.store.kvSet("faults", [...(this.store.kvGet<Fault[]>("faults") ?? []), fault]);
      return json(fault);
    }
    if (path === "/faults" && method === "DELETE") {
      this.store.kvDelete("faults");
      return json({ deleted: true });
    }
    if (path === "/events" && method === "GET") {
      const type = url.searchParams.get("type");
      const deliveries = this.store.deliveries();
      const events = (type ? this.store.where("event", "$.type", type) : this.store.all("event")).map((e) => ({ ...e, deliveries: deliveries.filter((d) => d.event_id === e.id) }));
      return json({ object: "list", data: events, has_more: false });
    }
    const resend = /^\/events\/(evt_\w+)\/resend$/.exec(path);
    if (resend && method === "POST") {
      const event = this.store.get(resend[1]!);
      if (!event) return json({ error: { type: "invalid_request_error", code: "resource_missing", message: `No such event: '${resend[1]}'` } }, 404);
      const ids = Array.from({ length: Math.max(1, Number(body.copies ?? 1)) }, () => this.store.addDelivery(event.id, Date.now()));
      await this.webhooks.armAlarm();
      return json({ event_id: event.id, deliveries: ids });
    }
    if (path === "/webhooks/pending" && method === "GET") {
      await this.openScheduledDisputes(namespace);
      const data = [];
      for (const d of this.webhooks.due(url.searchParams.get("all") === "true")) data.push(await this.webhooks.signed(d, config));
      return json({ object: "list", data, has_more: false });
    }
    const result = /^\/webhooks\/deliveries\/(whd_\w+)\/result$/.exec(path);
    if (result && method === "POST") {
      const delivery = this.store.deliveries("id = ?", result[1]!)[0];
      if (!delivery) return json({ error: { message: "No such delivery" } }, 404);
      this.webhooks.recordResult(delivery, body.status === undefined || body.status === null ? null : Number(body.status), body.error ? String(body.error) : null, config);
      return json(this.store.deliveries("id = ?", delivery.id)[0]);
    }
    if (path === "/webhooks/flush" && method === "POST") {
      await this.openScheduledDisputes(namespace);
      return json({ object: "list", data: await this.webhooks.deliver(true) });
    }
    if (path === "/routes" && method === "GET") return json({ object: "list", data: this.emulator(namespace).operations() });
    if (path === "/webhooks/deliveries" && method === "GET") return json({ object: "list", data: this.store.deliveries() });
    return json({ error: { type: "invalid_request_error", message: `Unrecognized emulator control (${method}: /_emulator${path}).` } }, 404);
  }
}

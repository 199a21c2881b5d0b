// Customers: create (with a test clock and a default payment method), retrieve, update, list, delete.
import type { Params } from "../form";
import { newId } from "../ids";
import { filtered, list } from "../list";
import { invalid } from "../errors";
import type { Param } from "../form";
import { int, metadataFrom, obj, str } from "../params";
import type { Route } from "../core";
import { Resource } from "./resource";

const ADDRESS_FIELDS = ["city", "country", "line1", "line2", "postal_code", "state"] as const;

/** Stripe's Address from `address[...]` parameters (`address=""` clears it). */
export function addressFrom(v: Param | undefined) {
  if (v === "" || v === undefined) return null;
  const a = obj(v);
  return Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, str(a[f]) || null])) as Record<(typeof ADDRESS_FIELDS)[number], string | null>;
}

const taxExemptParam = (v: Param | undefined) => {
  const value = str(v);
  if (value !== undefined && !["none", "exempt", "reverse"].includes(value)) throw invalid("tax_exempt", "Invalid tax_exempt: must be one of exempt, none, or reverse");
  return value as "none" | "exempt" | "reverse" | undefined;
};

export class Customers extends Resource {
  create(p: Params) {
    const testClock = str(p.test_clock) ?? null;
    if (testClock) this.em.load("test_helpers.test_clock", testClock, "test_helpers.test_clock", "test_clock");
    const customer = {
      ...this.em.base("cus", "customer"),
      address: addressFrom(p.address),
      balance: int(p, "balance") ?? 0,
      currency: null,
      default_source: null,
      delinquent: false,
      description: str(p.description) ?? null,
      email: str(p.email) ?? null,
      invoice_prefix: newId("x", 8).slice(2).toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null as string | null, footer: null, rendering_options: null },
      metadata: metadataFrom({}, p.metadata),
      name: str(p.name) ?? null,
      phone: str(p.phone) ?? null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: taxExemptParam(p.tax_exempt) ?? "none",
      test_clock: testClock,
    };
    if (testClock) customer.created = this.store.get(testClock)!.frozen_time as number;
    this.store.put(customer);
    const pm = str(p.payment_method);
    if (pm) this.em.paymentMethods.attach(pm, customer.id, false);
    const defaultPm = str(obj(p.invoice_settings).default_payment_method);
    if (defaultPm) customer.invoice_settings.default_payment_method = this.em.paymentMethods.resolve(defaultPm, customer.id).id;
    this.store.put(customer);
    this.em.emit("customer.created", customer);
    return customer;
  }

  update(id: string, p: Params) {
    const before = this.em.load("customer", id, "customer");
    const after = structuredClone(before);
    for (const f of ["email", "name", "description", "phone"]) if (p[f] !== undefined) after[f] = str(p[f]) || null;
    if (p.metadata !== undefined) after.metadata = metadataFrom(after.metadata, p.metadata);
    if (p.balance !== undefined) after.balance = int(p, "balance");
    if (p.address !== undefined) after.address = addressFrom(p.address);
    if (p.tax_exempt !== undefined) after.tax_exempt = taxExemptParam(p.tax_exempt);
    const settings = obj(p.invoice_settings);
    if (settings.default_payment_method !== undefined) {
      const pm = str(settings.default_payment_method);
      after.invoice_settings.default_payment_method = pm ? this.em.paymentMethods.resolve(pm, id).id : null;
    }
    return this.em.saveUpdated("customer.updated", before, after);
  }

  /** A deleted customer still answers 200, as `{id, object, deleted: true}` (Stripe keeps the id). */
  retrieve(id: string) {
    const found = this.store.get(id);
    if (found?.object === "customer" && found.deleted) return { id, object: "customer", deleted: true };
    return this.em.load("customer", id, "customer");
  }

  delete(id: string) {
    const customer = this.em.load("customer", id, "customer");
    for (const sub of this.store.where("subscription", "$.customer", id)) {
      if (sub.status !== "canceled") this.em.subscriptions.cancelNow(sub.id);
    }
    this.store.put({ ...customer, deleted: true });
    this.em.emit("customer.deleted", customer);
    return { id, object: "customer", deleted: true };
  }

  routes(r: Route) {
    r("POST", "/v1/customers", (p) => this.create(p));
    r("GET", "/v1/customers", (p) => list("/v1/customers", filtered(this.store, "customer", p, ["email", "test_clock"]), p));
    r("GET", "/v1/customers/:id", (_, [id]) => this.retrieve(id!));
    r("POST", "/v1/customers/:id", (p, [id]) => this.update(id!, p));
    r("DELETE", "/v1/customers/:id", (_, [id]) => this.delete(id!));
    r("GET", "/v1/customers/:id/payment_methods", (p, [id]) => {
      this.em.load("customer", id!, "customer");
      return list(`/v1/customers/${id}/payment_methods`, this.store.where("payment_method", "$.customer", id!), p);
    });
  }
}

declare module "../core" {
  interface Resources {
    readonly customers: Customers;
  }
}

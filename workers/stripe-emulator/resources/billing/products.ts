// Products and prices (one-time and recurring, lookup keys, inline product_data).
import type { Route } from "../../core";
import { invalid, missing, StripeError } from "../../errors";
import type { Params } from "../../form";
import { list } from "../../list";
import { arr, bool, int, metadataFrom, obj, requireStr, str } from "../../params";
import type { Obj } from "../../store";
import { Resource } from "../resource";

/** A price's `tax_behavior` parameter (Stripe Tax: whether `unit_amount` includes tax). */
export function taxBehaviorParam(p: Params, name: string): "inclusive" | "exclusive" | "unspecified" | undefined {
  const v = str(p[name]);
  if (v === undefined) return undefined;
  if (v !== "inclusive" && v !== "exclusive" && v !== "unspecified") throw invalid(name, `Invalid ${name}: must be one of exclusive, inclusive, or unspecified`);
  return v;
}

export class Products extends Resource {
  create(p: Params) {
    const product = {
      ...this.em.base("prod", "product"),
      active: p.active === undefined ? true : bool(p.active),
      default_price: null as string | null,
      description: str(p.description) ?? null,
      images: [],
      marketing_features: [],
      metadata: metadataFrom({}, p.metadata),
      name: requireStr(p, "name"),
      package_dimensions: null,
      shippable: null,
      statement_descriptor: null,
      tax_code: null,
      tax_details: null,
      type: "service",
      unit_label: null,
      updated: this.em.realNow(),
      url: null,
    };
    if (str(p.id)) product.id = str(p.id)!;
    if (this.store.get(product.id)) throw new StripeError(400, "invalid_request_error", `Product already exists.`, { code: "resource_already_exists", param: "id" });
    this.store.put(product);
    this.em.emit("product.created", product);
    const dpd = obj(p.default_price_data);
    if (Object.keys(dpd).length) {
      const price = this.em.prices.create({ ...dpd, product: product.id });
      product.default_price = price.id;
      this.store.put(product);
    }
    return product;
  }

  update(id: string, p: Params) {
    const before = this.em.load("product", id, "product");
    const after = structuredClone(before);
    for (const f of ["name", "description"]) if (p[f] !== undefined) after[f] = str(p[f]) || null;
    if (p.active !== undefined) after.active = bool(p.active);
    if (p.metadata !== undefined) after.metadata = metadataFrom(after.metadata, p.metadata);
    if (p.default_price !== undefined) after.default_price = str(p.default_price) || null;
    after.updated = this.em.realNow();
    return this.em.saveUpdated("product.updated", before, after);
  }

  routes(r: Route) {
    r("POST", "/v1/products", (p) => this.create(p));
    r("GET", "/v1/products", (p) => list("/v1/products", this.store.all("product").filter((x) => p.active === undefined || x.active === bool(p.active)), p));
    r("GET", "/v1/products/:id", (_, [id]) => this.em.load("product", id!, "product"));
    r("POST", "/v1/products/:id", (p, [id]) => this.update(id!, p));
  }
}

export class Prices extends Resource {
  create(p: Params) {
    let productId = str(p.product);
    if (productId) this.em.load("product", productId, "product", "product");
    else if (p.product_data) productId = this.em.products.create(obj(p.product_data)).id;
    else throw missing("product");
    const unitAmount = int(p, "unit_amount", { min: 0 });
    if (unitAmount === undefined) throw missing("unit_amount");
    const recurring = obj(p.recurring);
    const interval = str(recurring.interval);
    if (p.recurring !== undefined && !interval) throw missing("recurring[interval]");
    if (interval && !["day", "week", "month", "year"].includes(interval)) throw invalid("recurring[interval]", `Invalid recurring[interval]: must be one of day, week, month, or year`);
    const taxBehavior = taxBehaviorParam(p, "tax_behavior") ?? "unspecified";
    const lookupKey = str(p.lookup_key) ?? null;
    if (lookupKey) {
      const existing = this.store.all("price").find((x) => x.lookup_key === lookupKey);
      if (existing && !bool(p.transfer_lookup_key)) {
        throw new StripeError(400, "invalid_request_error", `A price (\`${existing.id}\`) already uses that lookup key.`, { code: "lookup_key_exists", param: "lookup_key" });
      }
      if (existing) this.store.put({ ...existing, lookup_key: null });
    }
    const price = {
      ...this.em.base("price", "price"),
      active: p.active === undefined ? true : bool(p.active),
      billing_scheme: "per_unit",
      currency: requireStr(p, "currency").toLowerCase(),
      custom_unit_amount: null,
      lookup_key: lookupKey,
      metadata: metadataFrom({}, p.metadata),
      nickname: str(p.nickname) ?? null,
      product: productId,
      recurring: interval
        ? { interval, interval_count: Number(str(recurring.interval_count) ?? 1), meter: null, trial_period_days: null, usage_type: "licensed" }
        : null,
      tax_behavior: taxBehavior,
      tiers_mode: null,
      transform_quantity: null,
      type: interval ? "recurring" : "one_time",
      unit_amount: unitAmount,
      unit_amount_decimal: String(unitAmount),
    };
    this.store.put(price);
    this.em.emit("price.created", price);
    return price;
  }

  update(id: string, p: Params) {
    const before = this.em.load("price", id, "price");
    const after = structuredClone(before);
    if (p.active !== undefined) after.active = bool(p.active);
    if (p.nickname !== undefined) after.nickname = str(p.nickname) || null;
    if (p.lookup_key !== undefined) after.lookup_key = str(p.lookup_key) || null;
    const taxBehavior = taxBehaviorParam(p, "tax_behavior");
    if (taxBehavior && taxBehavior !== before.tax_behavior) {
      // Stripe: once inclusive or exclusive, a price's tax behaviour is fixed (a new price is needed).
      if (before.tax_behavior !== "unspecified") throw invalid("tax_behavior", "The tax_behavior of a price cannot be changed once it has been set to inclusive or exclusive.");
      after.tax_behavior = taxBehavior;
    }
    if (p.metadata !== undefined) after.metadata = metadataFrom(after.metadata, p.metadata);
    return this.em.saveUpdated("price.updated", before, after);
  }

  list(p: Params) {
    const keys = arr(p.lookup_keys).map(String);
    const recurring = obj(p.recurring);
    return list(
      "/v1/prices",
      this.store.all("price").filter(
        (x) =>
          (p.product === undefined || x.product === p.product) &&
          (p.active === undefined || x.active === bool(p.active)) &&
          (p.type === undefined || x.type === p.type) &&
          (p.currency === undefined || x.currency === p.currency) &&
          (!keys.length || keys.includes(x.lookup_key)) &&
          (!recurring.interval || x.recurring?.interval === recurring.interval),
      ),
      p,
    );
  }

  /** The name of the price's product, as Stripe writes it in line descriptions. */
  productName(price: Obj) {
    return this.store.get(price.product)?.name ?? price.product;
  }

  routes(r: Route) {
    r("POST", "/v1/prices", (p) => this.create(p));
    r("GET", "/v1/prices", (p) => this.list(p));
    r("GET", "/v1/prices/:id", (_, [id]) => this.em.load("price", id!, "price"));
    r("POST", "/v1/prices/:id", (p, [id]) => this.update(id!, p));
  }
}

declare module "../../core" {
  interface Resources {
    readonly products: Products;
    readonly prices: Prices;
  }
}

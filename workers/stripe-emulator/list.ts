// Stripe's list objects and cursor pagination (`limit`, `starting_after`, `ending_before`).
import { invalid } from "./errors";
import type { Params } from "./form";
import { int, str } from "./params";
import type { Obj, Store } from "./store";

/** A page of `items` (newest first) as Stripe's `{object: "list", data, has_more, url}`. */
export function list(url: string, items: Obj[], p: Params) {
  const limit = Math.min(Math.max(int(p, "limit", { min: 1 }) ?? 10, 1), 100);
  let start = 0;
  const after = str(p.starting_after);
  const before = str(p.ending_before);
  if (after) {
    const i = items.findIndex((o) => o.id === after);
    if (i < 0) throw invalid("starting_after", `No such object: '${after}'`, "resource_missing");
    start = i + 1;
  }
  let data = items.slice(start, start + limit);
  let hasMore = start + limit < items.length;
  if (before) {
    const i = items.findIndex((o) => o.id === before);
    if (i < 0) throw invalid("ending_before", `No such object: '${before}'`, "resource_missing");
    data = items.slice(Math.max(0, i - limit), i);
    hasMore = i - limit > 0;
  }
  return { object: "list", data, has_more: hasMore, url };
}

/** Live (not deleted) objects of a type whose `fields` equal the request's filter params. */
export function filtered(store: Store, type: string, p: Params, fields: string[]) {
  const first = fields.find((f) => typeof p[f] === "string");
  return (first ? store.where(type, `$.${first}`, p[first] as string) : store.all(type)).filter((o) => !o.deleted && fields.every((f) => p[f] === undefined || o[f] === p[f]));
}

// Stripe's `expand[]`: replaces id fields (dotted paths, `data.` for list items) by the objects.
import type { Obj, Store } from "./store";

export function expand(store: Store, value: Obj, paths: string[]) {
  for (const path of paths) expandPath(store, value, path.split("."));
  return value;
}

function expandPath(store: Store, value: Obj | null | undefined, parts: string[]) {
  if (!value || !parts.length) return;
  const [key, ...rest] = parts as [string, ...string[]];
  if (key === "data" && Array.isArray(value.data)) {
    for (const item of value.data) expandPath(store, item, rest);
    return;
  }
  const current = value[key];
  if (typeof current === "string") {
    const loaded = store.get(current);
    if (loaded) value[key] = loaded;
  }
  if (value[key] && typeof value[key] === "object") expandPath(store, value[key], rest);
}

/** Fields Stripe sends only when asked for with `expand[]` ("includable"), by object type. */
const INCLUDABLE: Record<string, string[]> = { invoice: ["payments"], "checkout.session": ["total_details.breakdown"], item: ["taxes"] };

/**
 * Removes includable fields that were not asked for, at any depth (`payments` of an invoice is
 * sent for `expand[]=payments`, `data.payments` in lists, `latest_invoice.payments` ...; never in
 * webhook payloads).
 */
export function omitIncludable<T>(value: T, paths: string[] = [], prefix = ""): T {
  if (!value || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (const item of value) omitIncludable(item, paths, prefix);
    return value;
  }
  const obj = value as Obj;
  for (const field of INCLUDABLE[obj.object] ?? []) {
    const asked = paths.some((path) => path === prefix + field || path.startsWith(`${prefix}${field}.`));
    if (asked) continue;
    // A dotted field (`total_details.breakdown`) is removed from its parent object.
    const keys = field.split(".");
    const last = keys.pop()!;
    const parent = keys.reduce<Obj | null>((o, k) => (o && typeof o[k] === "object" ? (o[k] as Obj) : null), obj);
    if (parent) delete parent[last];
  }
  for (const [key, child] of Object.entries(obj)) if (child && typeof child === "object") omitIncludable(child, paths, `${prefix}${key}.`);
  return value;
}

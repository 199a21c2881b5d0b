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

// Stripe's form encoding: `a[b][0][c]=v` → { a: { b: [ { c: "v" } ] } }. Objects whose keys are all
// integers become arrays (Stripe's SDK encodes arrays as `items[0][price]`; `expand[]` is also accepted).
export type Params = { [key: string]: Param };
export type Param = string | Params | Param[];

export function parseForm(body: string): Params {
  const root: Params = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = rawKey.split("[").map((p, i) => (i === 0 ? p : p.replace(/\]$/, "")));
    let node: Params = root;
    parts.forEach((part, i) => {
      const key = part === "" ? String(Object.keys(node).length) : part;
      if (i === parts.length - 1) node[key] = value;
      else {
        const next = node[key];
        node = node[key] = typeof next === "object" && !Array.isArray(next) ? next : {};
      }
    });
  }
  return arrayify(root) as Params;
}

function arrayify(value: Param): Param {
  if (typeof value === "string" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const out: Params = {};
  for (const k of keys) out[k] = arrayify(value[k]!);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => out[k]!);
  }
  return out;
}

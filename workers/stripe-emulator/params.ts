// Reading Stripe's form-encoded request parameters (parsed by form.ts) with Stripe's validation errors.
import { invalid, missing } from "./errors";
import type { Param, Params } from "./form";

export const str = (v: Param | undefined): string | undefined => (typeof v === "string" ? v : undefined);
export const obj = (v: Param | undefined): Params => (v && typeof v === "object" && !Array.isArray(v) ? v : {});
export const arr = (v: Param | undefined): Param[] => (Array.isArray(v) ? v : v && typeof v === "object" ? Object.values(v) : []);
export const bool = (v: Param | undefined) => v === "true" || v === "1";

export function int(p: Params, name: string, opts: { required?: boolean; min?: number } = {}): number | undefined {
  const v = str(p[name]);
  if (v === undefined || v === "") {
    if (opts.required) throw missing(name);
    return undefined;
  }
  if (!/^-?\d+$/.test(v)) throw invalid(name, `Invalid integer: ${v}`, "parameter_invalid_integer");
  const n = Number(v);
  if (opts.min !== undefined && n < opts.min) throw invalid(name, `This value must be greater than or equal to ${opts.min}.`);
  return n;
}

export function requireStr(p: Params, name: string) {
  const v = str(p[name]);
  if (!v) throw missing(name);
  return v;
}

/** Stripe's metadata update rules: `metadata=""` clears all, `metadata[k]=""` removes one key. */
export function metadataFrom(current: Record<string, any>, p: Param | undefined): Record<string, string> {
  if (p === "") return {};
  const next: Record<string, string> = { ...current };
  for (const [k, v] of Object.entries(obj(p))) {
    if (v === "") delete next[k];
    else next[k] = String(v);
  }
  return next;
}

/**
 * Per-isolate state shared by every copy of the licensing modules. The Worker entry imports the
 * validation handler directly (its fast path) while the Remix build bundles its own copy of the
 * same modules; keeping the caches and counters on globalThis means an activation handled by a
 * Remix route clears the very cache the fast path reads.
 */
export function isolateState<T>(name: string, init: () => T): T {
  const g = globalThis as unknown as Record<symbol, unknown>;
  const key = Symbol.for(`coursemint.licensing.${name}`);
  return (g[key] ??= init()) as T;
}

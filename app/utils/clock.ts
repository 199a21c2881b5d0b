/**
 * The one clock of the app. Everything that reads "now" goes through here so tests can pin or
 * move time with `setClock`. Values are integer epoch milliseconds.
 */
let source: () => number = () => Date.now();

export function now(): number {
  return source();
}

/** Replace the clock (tests); call `resetClock()` to go back to real time. */
export function setClock(fn: () => number): void {
  source = fn;
}

export function resetClock(): void {
  source = () => Date.now();
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

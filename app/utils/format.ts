import { createContext, useContext } from "react";
import { formatMoney as formatMinorUnits, type Currency } from "~/utils/currency";

/**
 * Human text for pages: counts with plurals, dates and times in the viewer's locale and time zone,
 * relative times, numbers and money. The server reads the locale from Accept-Language and the time
 * zone from the `tz` cookie (set by a tiny inline script in the document head, see TIME_ZONE_SCRIPT);
 * until that cookie exists times are shown in UTC and say so in their title attribute.
 * Components read the viewer with useFormat(); <When> (app/components/when.tsx) renders a <time>.
 */
export type Viewer = { locale: string; timeZone: string; timeZoneKnown: boolean };

export const DEFAULT_LOCALE = "en-US";
export const DEFAULT_VIEWER: Viewer = { locale: DEFAULT_LOCALE, timeZone: "UTC", timeZoneKnown: false };
export const TIME_ZONE_COOKIE = "tz";

/** The first supported locale in an Accept-Language header (quality order), else en-US. */
export function localeFromAcceptLanguage(header: string | null | undefined): string {
  if (!header) return DEFAULT_LOCALE;
  const tags = header
    .split(",")
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag!.trim(), q: q ? Number(q) : 1, i };
    })
    .filter((t) => t.tag && t.tag !== "*" && t.q > 0 && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(t.tag))
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of tags) {
    try {
      const [supported] = Intl.DateTimeFormat.supportedLocalesOf([tag]);
      if (supported) return supported;
    } catch {
      // not a valid BCP 47 tag: try the next one
    }
  }
  return DEFAULT_LOCALE;
}

/**
 * Intl formatters are costly to build (a CPU profile of signed-in pages, issue 29, showed
 * `new Intl.DateTimeFormat` per formatted date among the top functions) and immutable once built:
 * one per (kind, locale, options) per isolate. Bounded, since locales and time zones come from
 * requests: past the bound the oldest is dropped.
 */
const FORMATTERS = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>();
const MAX_FORMATTERS = 500;
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>(key: string, build: () => T): T {
  let formatter = FORMATTERS.get(key) as T | undefined;
  if (!formatter) {
    formatter = build();
    if (FORMATTERS.size >= MAX_FORMATTERS) FORMATTERS.delete(FORMATTERS.keys().next().value!);
    FORMATTERS.set(key, formatter);
  }
  return formatter;
}
const dateTimeFormat = (locale: string, options: Intl.DateTimeFormatOptions) => cached(`dt|${locale}|${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(locale, options));
const numberFormat = (locale: string, options?: Intl.NumberFormatOptions) => cached(`n|${locale}|${options ? JSON.stringify(options) : ""}`, () => new Intl.NumberFormat(locale, options));

const KNOWN_TIME_ZONES = new Map<string, string | null>();
/** An IANA time zone name if the runtime knows it, else null. */
export function validTimeZone(value: string | null | undefined): string | null {
  if (!value || value.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(value)) return null;
  const known = KNOWN_TIME_ZONES.get(value);
  if (known !== undefined) return known;
  let zone: string | null;
  try {
    zone = new Intl.DateTimeFormat("en-US", { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    zone = null;
  }
  if (KNOWN_TIME_ZONES.size >= MAX_FORMATTERS) KNOWN_TIME_ZONES.delete(KNOWN_TIME_ZONES.keys().next().value!);
  KNOWN_TIME_ZONES.set(value, zone);
  return zone;
}

/** The viewer of a request: Accept-Language locale and the `tz` cookie's time zone (UTC if none). */
export function viewerFromRequest(request: Request): Viewer {
  const locale = localeFromAcceptLanguage(request.headers.get("Accept-Language"));
  const cookie = request.headers.get("Cookie") ?? "";
  const raw = new RegExp(`(?:^|;\\s*)${TIME_ZONE_COOKIE}=([^;]*)`).exec(cookie)?.[1];
  let decoded: string | null = null;
  try {
    decoded = raw ? decodeURIComponent(raw) : null;
  } catch {
    decoded = null;
  }
  const timeZone = validTimeZone(decoded);
  return timeZone ? { locale, timeZone, timeZoneKnown: true } : { locale, timeZone: "UTC", timeZoneKnown: false };
}

/** Sets the `tz` cookie to the browser's time zone when it is missing or different (inline, with the CSP nonce). */
export const TIME_ZONE_SCRIPT = `try{var z=Intl.DateTimeFormat().resolvedOptions().timeZone,m=document.cookie.match(/(?:^|; )${TIME_ZONE_COOKIE}=([^;]*)/);if(z&&(!m||decodeURIComponent(m[1])!==z))document.cookie="${TIME_ZONE_COOKIE}="+encodeURIComponent(z)+"; path=/; max-age=31536000; samesite=lax"}catch(e){}`;

const EN_PLURAL = new Intl.PluralRules("en-US");

/**
 * "1 review", "3 reviews", "1,204 learners". The words are English (the pages are), the number is
 * formatted for the viewer's locale. Pass `many` for irregular plurals: plural(2, "person", "people").
 */
export function plural(count: number, one: string, many = `${one}s`, locale = DEFAULT_LOCALE): string {
  return `${formatNumber(count, locale)} ${EN_PLURAL.select(count) === "one" ? one : many}`;
}

export function formatNumber(value: number, locale = DEFAULT_LOCALE, options?: Intl.NumberFormatOptions): string {
  return numberFormat(locale, options).format(value);
}

/** A calendar date: "27 Nov 2026" / "Nov 27, 2026" depending on the locale. */
export function formatDate(ms: number, viewer: Viewer = DEFAULT_VIEWER): string {
  return dateTimeFormat(viewer.locale, { dateStyle: "medium", timeZone: viewer.timeZone }).format(ms);
}

/** Date and time: "Nov 27, 2026, 11:50 AM" (with "UTC" appended while the time zone is unknown). */
export function formatDateTime(ms: number, viewer: Viewer = DEFAULT_VIEWER): string {
  const text = dateTimeFormat(viewer.locale, { dateStyle: "medium", timeStyle: "short", timeZone: viewer.timeZone }).format(ms);
  return viewer.timeZoneKnown ? text : `${text} UTC`;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "3 days ago", "in 2 hours", "just now" (under a minute). */
export function formatRelative(ms: number, now: number, viewer: Viewer = DEFAULT_VIEWER): string {
  const diff = ms - now;
  const abs = Math.abs(diff);
  const rtf = cached(`rt|${viewer.locale}`, () => new Intl.RelativeTimeFormat(viewer.locale, { numeric: "auto" }));
  for (const [unit, size] of UNITS) {
    if (abs >= size) return rtf.format(Math.round(diff / size), unit);
  }
  return rtf.format(0, "second");
}

/** A full, unambiguous timestamp for title attributes, naming the time zone. */
export function formatFull(ms: number, viewer: Viewer = DEFAULT_VIEWER): string {
  const text = dateTimeFormat(viewer.locale, { dateStyle: "full", timeStyle: "long", timeZone: viewer.timeZone }).format(ms);
  return viewer.timeZoneKnown ? text : `${text} (shown in UTC: your time zone is not known yet)`;
}

const ViewerContext = createContext<Viewer>(DEFAULT_VIEWER);
/** Provided by app/entry.server.tsx (from the request) and app/entry.client.tsx (from <html data-*>). */
export const ViewerProvider = ViewerContext.Provider;
export const useViewer = () => useContext(ViewerContext);

/** The formatters bound to the current viewer. */
export function useFormat() {
  const viewer = useViewer();
  return {
    viewer,
    plural: (count: number, one: string, many?: string) => plural(count, one, many, viewer.locale),
    number: (value: number, options?: Intl.NumberFormatOptions) => formatNumber(value, viewer.locale, options),
    date: (ms: number) => formatDate(ms, viewer),
    dateTime: (ms: number) => formatDateTime(ms, viewer),
    relative: (ms: number, now = Date.now()) => formatRelative(ms, now, viewer),
    full: (ms: number) => formatFull(ms, viewer),
    money: (amount: number, currency: string) => formatMinorUnits(amount, currency as Currency, viewer.locale),
  };
}

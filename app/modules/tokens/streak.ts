import * as z from "zod";
import { streakBonusFor, TOKEN_RULES } from "./config";

/*
 * Streak rules, pure (the TokenWallet Durable Object applies them; tests call them directly).
 * A streak counts consecutive local days with learning activity in the learner's time zone. A day
 * with no activity is covered by a held freeze when the learner comes back; the freeze keeps the
 * streak alive but does not lengthen it. Missing more days than freezes held starts over at 1
 * (and keeps the freezes).
 */

/** A calendar day, "YYYY-MM-DD". */
export type Day = string;

export const timeZoneSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine(isValidTimeZone, "Unknown time zone; use an IANA name such as Europe/Paris");

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of `at` (epoch ms) in `timeZone`. */
export function localDay(at: number, timeZone: string): Day {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timeZone, f);
  }
  return f.format(at); // en-CA formats as YYYY-MM-DD
}

const dayNumber = (day: Day) => Math.round(Date.parse(`${day}T00:00:00Z`) / 86_400_000);
export const dayFromNumber = (n: number): Day => new Date(n * 86_400_000).toISOString().slice(0, 10);

/** Whole days from `a` to `b` (b − a). */
export const daysBetween = (a: Day, b: Day) => dayNumber(b) - dayNumber(a);

export type StreakState = { streak: number; longest: number; lastActiveDay: Day | null; freezes: number };

export type ActivityOutcome = {
  state: StreakState;
  /** True when this is the first activity of `day` (streak days are written once). */
  newDay: boolean;
  /** Missed days covered by freezes just now. */
  frozenDays: Day[];
  /** Streak bonus earned by this activity (0 when none). */
  bonus: number;
  /** The streak had lapsed and started over. */
  reset: boolean;
};

/** Applies learning activity on local `day`. A day earlier than the last active one changes nothing. */
export function applyActivity(state: StreakState, day: Day): ActivityOutcome {
  const same = { state, newDay: false, frozenDays: [], bonus: 0, reset: false };
  if (state.lastActiveDay === null) {
    const next = { ...state, streak: 1, longest: Math.max(state.longest, 1), lastActiveDay: day };
    return { state: next, newDay: true, frozenDays: [], bonus: 0, reset: false };
  }
  const gap = daysBetween(state.lastActiveDay, day);
  if (gap <= 0) return same; // same day, or an earlier day after a time-zone change
  const missed = gap - 1;
  if (missed > state.freezes) {
    const next = { ...state, streak: 1, longest: Math.max(state.longest, 1), lastActiveDay: day };
    return { state: next, newDay: true, frozenDays: [], bonus: 0, reset: state.streak > 0 };
  }
  const start = dayNumber(state.lastActiveDay);
  const frozenDays = Array.from({ length: missed }, (_, i) => dayFromNumber(start + 1 + i));
  const streak = state.streak + 1;
  const next = { streak, longest: Math.max(state.longest, streak), lastActiveDay: day, freezes: state.freezes - missed };
  return { state: next, newDay: true, frozenDays, bonus: streakBonusFor(streak), reset: false };
}

/**
 * The streak as the learner sees it on `today`: alive if they were active today or yesterday, or
 * if the freezes they hold cover the days missed since; otherwise 0.
 */
export function currentStreak(state: StreakState, today: Day): { streak: number; activeToday: boolean; atRisk: boolean } {
  if (!state.lastActiveDay) return { streak: 0, activeToday: false, atRisk: false };
  const gap = daysBetween(state.lastActiveDay, today);
  if (gap <= 0) return { streak: state.streak, activeToday: true, atRisk: false };
  const missed = gap - 1;
  if (missed > state.freezes) return { streak: 0, activeToday: false, atRisk: false };
  return { streak: state.streak, activeToday: false, atRisk: missed === state.freezes };
}

export const MAX_FREEZES = TOKEN_RULES.streakFreeze.maxHeld;

import { SCORING_ENTRY_TYPES } from "./config";

/*
 * Leaderboard periods. Weekly boards start Monday 00:00 UTC; each period is its own Leaderboard
 * Durable Object, so a new week starts empty with no rollover job.
 */
export const BOARD_PERIODS = ["week", "all"] as const;
export type BoardPeriod = (typeof BOARD_PERIODS)[number];

const DAY_MS = 86_400_000;

/** Monday (UTC) of the week containing `at`, as YYYY-MM-DD. */
export function weekStart(at: number): string {
  const day = Math.floor(at / DAY_MS);
  const weekday = (new Date(day * DAY_MS).getUTCDay() + 6) % 7; // Monday = 0
  return new Date((day - weekday) * DAY_MS).toISOString().slice(0, 10);
}

/** The Durable Object name of the board for `period` at time `at`. */
export function boardName(period: BoardPeriod, at: number): string {
  return period === "all" ? "all" : `week:${weekStart(at)}`;
}

/** When the weekly board containing `at` ends (next Monday 00:00 UTC). */
export function weekEndsAt(at: number): number {
  return Date.parse(`${weekStart(at)}T00:00:00Z`) + 7 * DAY_MS;
}

/** Entry types that move leaderboard scores (the policy is REWARD_POLICY's neighbour in config.ts). */
export const SCORING_TYPES: ReadonlySet<string> = new Set(SCORING_ENTRY_TYPES);

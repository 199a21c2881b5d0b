// Calendar arithmetic for billing periods (UTC, Stripe's month/year semantics).
export function addInterval(ts: number, interval: string, count = 1) {
  const d = new Date(ts * 1000);
  if (interval === "day") d.setUTCDate(d.getUTCDate() + count);
  else if (interval === "week") d.setUTCDate(d.getUTCDate() + 7 * count);
  else if (interval === "month") d.setUTCMonth(d.getUTCMonth() + count);
  else if (interval === "year") d.setUTCFullYear(d.getUTCFullYear() + count);
  return Math.floor(d.getTime() / 1000);
}

export const fmtDate = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 10);

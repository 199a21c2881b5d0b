import { CURRENCIES, formatMoney, type Currency } from "~/utils/money";

type MonthRow = { month: string; currency: string; pending: number; available: number; paid: number };

const MONTHS = 12;
const monthName = new Intl.DateTimeFormat("en-US", { month: "short", timeZone: "UTC" });
const monthLong = new Intl.DateTimeFormat("en-US", { month: "long", year: "numeric", timeZone: "UTC" });

/** "2026-11" → Date at the start of that month (UTC). */
const monthDate = (month: string) => new Date(`${month}-01T00:00:00Z`);

/** The last 12 calendar months ending with the current one ("YYYY-MM"), oldest first. */
export function lastMonths(nowMs: number, count = MONTHS) {
  const d = new Date(nowMs);
  const out: string[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - i, 1));
    out.push(m.toISOString().slice(0, 7));
  }
  return out;
}

/** A "nice" axis step (1, 2 or 5 × 10ⁿ) so that about four steps cover `max`. */
export function niceStep(max: number) {
  if (max <= 0) return 1;
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

/** Months, stacked values and axis ticks (minor units) for one currency. */
export function chartModel(rows: MonthRow[], currency: string, nowMs: number) {
  const months = lastMonths(nowMs).map((month) => {
    const r = rows.find((x) => x.month === month && x.currency === currency);
    const pending = Math.max(0, r?.pending ?? 0);
    const available = Math.max(0, r?.available ?? 0);
    const paid = Math.max(0, r?.paid ?? 0);
    return { month, pending, available, paid, total: pending + available + paid };
  });
  const scale = 10 ** (CURRENCIES[currency as Currency] ?? 2);
  // Steps in whole currency units (no "$12.50" ticks), at least one unit.
  const max = Math.max(...months.map((m) => m.total));
  const step = Math.max(1, niceStep(max / scale)) * scale;
  const top = Math.max(step, Math.ceil(max / step) * step);
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += step) ticks.push(v);
  return { months, ticks, top, total: months.reduce((a, m) => a + m.total, 0) };
}

const axisMoney = (amount: number, currency: string) => {
  const scale = CURRENCIES[currency as Currency] ?? 2;
  return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase(), maximumFractionDigits: 0, minimumFractionDigits: 0 }).format(amount / 10 ** scale);
};

/**
 * Earnings per month for the last 12 months: stacked bars (paid, available, pending) drawn as
 * server-rendered SVG with a money axis in the instructor's currency and month labels, described
 * in words for assistive technology, with the same numbers in a table below.
 */
export function EarningsChart({ perMonth, currency, nowMs }: { perMonth: MonthRow[]; currency: string; nowMs: number }) {
  const money = (v: number) => formatMoney(v, currency as Currency);
  const model = chartModel(perMonth, currency, nowMs);
  const width = 720;
  const height = 300;
  const left = 72;
  const right = 12;
  const top = 16;
  const bottom = 56;
  const plotH = height - top - bottom;
  const plotW = width - left - right;
  const slot = plotW / model.months.length;
  const barW = Math.min(36, slot * 0.6);
  const y = (v: number) => top + plotH - (v / model.top) * plotH;
  const first = model.months[0]!.month;
  const last = model.months[model.months.length - 1]!.month;
  const best = model.months.reduce((a, m) => (m.total > a.total ? m : a), model.months[0]!);
  const period = `${monthLong.format(monthDate(first))} to ${monthLong.format(monthDate(last))}`;
  const summary = model.total
    ? `Total ${money(model.total)} from ${period}; highest month ${monthLong.format(monthDate(best.month))} with ${money(best.total)}. The table below lists every month.`
    : `No earnings from ${period}.`;
  return (
    <figure className="chart" data-testid="earnings-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="earnings-chart-title earnings-chart-desc" width="100%" preserveAspectRatio="xMidYMid meet">
        <title id="earnings-chart-title">{`Earnings per month in ${currency.toUpperCase()}, last 12 months`}</title>
        <desc id="earnings-chart-desc">{summary}</desc>
        <g className="chart-grid">
          {model.ticks.map((t) => (
            <g key={t}>
              <line x1={left} x2={width - right} y1={y(t)} y2={y(t)} className={t === 0 ? "chart-axis" : "chart-gridline"} />
              <text x={left - 8} y={y(t) + 4} textAnchor="end" className="chart-label">
                {axisMoney(t, currency)}
              </text>
            </g>
          ))}
        </g>
        <text className="chart-axis-title" transform={`translate(16 ${top + plotH / 2}) rotate(-90)`} textAnchor="middle">
          {`Earnings (${currency.toUpperCase()})`}
        </text>
        {model.months.map((m, i) => {
          const x = left + i * slot + (slot - barW) / 2;
          const paidTop = y(m.paid);
          const availableTop = y(m.paid + m.available);
          const pendingTop = y(m.total);
          const date = monthDate(m.month);
          const showYear = i === 0 || date.getUTCMonth() === 0;
          return (
            <g key={m.month}>
              <title>{`${monthLong.format(date)}: ${money(m.total)} (pending ${money(m.pending)}, available ${money(m.available)}, paid ${money(m.paid)})`}</title>
              <rect x={x} y={paidTop} width={barW} height={y(0) - paidTop} className="bar-paid" />
              <rect x={x} y={availableTop} width={barW} height={paidTop - availableTop} className="bar-available" />
              <rect x={x} y={pendingTop} width={barW} height={availableTop - pendingTop} className="bar-pending" />
              <text x={x + barW / 2} y={height - bottom + 18} textAnchor="middle" className="chart-label">
                {monthName.format(date)}
              </text>
              {showYear ? (
                <text x={x + barW / 2} y={height - bottom + 34} textAnchor="middle" className="chart-label">
                  {date.getUTCFullYear()}
                </text>
              ) : null}
            </g>
          );
        })}
        <text x={left + plotW / 2} y={height - 4} textAnchor="middle" className="chart-axis-title">
          Month (sale date)
        </text>
      </svg>
      <figcaption>
        <span className="legend bar-pending" /> Pending (in the 30-day refund window) <span className="legend bar-available" /> Available <span className="legend bar-paid" /> Paid out
      </figcaption>
      <details className="chart-table">
        <summary>Show the numbers as a table</summary>
        <table>
          <caption className="sr-only">Earnings per month, {period}</caption>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col" className="num">
                Pending
              </th>
              <th scope="col" className="num">
                Available
              </th>
              <th scope="col" className="num">
                Paid
              </th>
              <th scope="col" className="num">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {model.months.map((m) => (
              <tr key={m.month}>
                <th scope="row">{monthLong.format(monthDate(m.month))}</th>
                <td className="num">{money(m.pending)}</td>
                <td className="num">{money(m.available)}</td>
                <td className="num">{money(m.paid)}</td>
                <td className="num">{money(m.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

import { CURRENCIES, formatMoney, type Currency } from "~/utils/money";
import { ChartLegend, StackedBarChart, valueAxis, type BarRow, type BarSeries } from "./bar-chart";

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

/** Months, stacked values and axis ticks (minor units, whole currency units apart) for one currency. */
export function chartModel(rows: MonthRow[], currency: string, nowMs: number) {
  const months = lastMonths(nowMs).map((month) => {
    const r = rows.find((x) => x.month === month && x.currency === currency);
    const pending = Math.max(0, r?.pending ?? 0);
    const available = Math.max(0, r?.available ?? 0);
    const paid = Math.max(0, r?.paid ?? 0);
    return { month, pending, available, paid, total: pending + available + paid };
  });
  const { ticks, top } = valueAxis(Math.max(...months.map((m) => m.total)), unitOf(currency));
  return { months, ticks, top, total: months.reduce((a, m) => a + m.total, 0) };
}

const unitOf = (currency: string) => 10 ** (CURRENCIES[currency as Currency] ?? 2);

const axisMoney = (amount: number, currency: string) => {
  const scale = CURRENCIES[currency as Currency] ?? 2;
  return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase(), maximumFractionDigits: 0, minimumFractionDigits: 0 }).format(amount / 10 ** scale);
};

/**
 * Earnings per month for the last 12 months: stacked bars (paid, available, pending) drawn as
 * server-rendered SVG with a money axis in the instructor's currency and month labels, described
 * in words for assistive technology, with the same numbers in a table below.
 */
const SERIES: BarSeries[] = [
  { key: "paid", label: "Paid out", className: "bar-paid" },
  { key: "available", label: "Available", className: "bar-available" },
  { key: "pending", label: "Pending (in the 30-day refund window)", className: "bar-pending" },
];

export function EarningsChart({ perMonth, currency, nowMs }: { perMonth: MonthRow[]; currency: string; nowMs: number }) {
  const money = (v: number) => formatMoney(v, currency as Currency);
  const model = chartModel(perMonth, currency, nowMs);
  const first = model.months[0]!.month;
  const last = model.months[model.months.length - 1]!.month;
  const best = model.months.reduce((a, m) => (m.total > a.total ? m : a), model.months[0]!);
  const period = `${monthLong.format(monthDate(first))} to ${monthLong.format(monthDate(last))}`;
  const summary = model.total
    ? `Total ${money(model.total)} from ${period}; highest month ${monthLong.format(monthDate(best.month))} with ${money(best.total)}. The table below lists every month.`
    : `No earnings from ${period}.`;
  const rows: BarRow[] = model.months.map((m) => ({
    key: m.month,
    tick: monthName.format(monthDate(m.month)),
    sub: String(monthDate(m.month).getUTCFullYear()),
    title: `${monthLong.format(monthDate(m.month))}: ${money(m.total)} (pending ${money(m.pending)}, available ${money(m.available)}, paid ${money(m.paid)})`,
    values: { paid: m.paid, available: m.available, pending: m.pending },
  }));
  return (
    <figure className="chart" data-testid="earnings-chart">
      <StackedBarChart
        id="earnings-chart"
        title={`Earnings per month in ${currency.toUpperCase()}, last 12 months`}
        summary={summary}
        series={SERIES}
        rows={rows}
        unit={unitOf(currency)}
        formatTick={(t) => axisMoney(t, currency)}
        yTitle={`Earnings (${currency.toUpperCase()})`}
        xTitle="Month (sale date)"
      />
      <ChartLegend series={[...SERIES].reverse()} />
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

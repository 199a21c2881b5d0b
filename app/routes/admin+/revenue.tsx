import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { ChartLegend, StackedBarChart, type BarSeries } from "~/components/bar-chart";
import { HistoryFilters } from "~/components/history";
import { PERIODS, type RevenueTable } from "~/modules/analytics/revenue";
import { loadRevenue, revenueQuerySchema, revenueTable, type RevenueReport } from "~/modules/analytics/revenue.server";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { formatDate, useFormat } from "~/utils/format";
import { readQuery } from "~/utils/forms.server";
import { CURRENCIES } from "~/utils/currency";

export const meta: MetaFunction = () => [{ title: "Revenue · Admin · Coursemint" }];

/** Revenue over time and by course, instructor and kind of sale, from the daily rollups (docs/analytics.md). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:metrics:any");
  const q = readQuery(app, request, revenueQuerySchema);
  const report = await loadRevenue(app, q);
  const tables = Object.fromEntries((["series", "courses", "instructors", "purposes"] as const).map((t) => [t, revenueTable(report, t)])) as Record<RevenueTable, ReturnType<typeof revenueTable>>;
  return { report, tables };
}

const PERIOD_LABELS = { day: "Day", week: "Week", month: "Month" } as const;

const SERIES: BarSeries[] = [
  { key: "net", label: "Net revenue", className: "bar-available" },
  { key: "refunds", label: "Refunded", className: "bar-pending" },
  { key: "disputes", label: "Lost in disputes", className: "bar-paid" },
];

function csvHref(params: URLSearchParams, table: RevenueTable) {
  const next = new URLSearchParams(params);
  next.set("table", table);
  return `/admin/revenue.csv?${next}`;
}

/** A table of the report, with its CSV download: the same rows the file holds. */
function ReportTable({ id, caption, table }: { id: RevenueTable; caption: string; table: { header: string[]; rows: (string | number)[][] } }) {
  const [params] = useSearchParams();
  return (
    <div className="stack">
      <div className="table-scroll">
        <table className="table-cards" data-testid={`revenue-table-${id}`}>
          <caption>{caption}</caption>
          <thead>
            <tr>
              {table.header.map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((r, i) => (
              <tr key={i}>
                {r.map((v, j) =>
                  j === 0 ? (
                    <th key={j} scope="row" data-label={table.header[j]}>
                      {v}
                    </th>
                  ) : (
                    <td key={j} data-label={table.header[j]} className="num">
                      {v}
                    </td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        <a href={csvHref(params, id)} download data-testid={`revenue-csv-${id}`}>
          Download “{caption}” as CSV
        </a>
      </p>
    </div>
  );
}

function RevenueChart({ report }: { report: RevenueReport }) {
  const f = useFormat();
  const { period, currency } = report.query;
  const at = (b: string) => Date.parse(`${b.length === 7 ? `${b}-01` : b}T12:00:00Z`);
  const tickFormat = new Intl.DateTimeFormat(f.viewer.locale, period === "month" ? { month: "short", timeZone: "UTC" } : { month: "short", day: "numeric", timeZone: "UTC" });
  const label = (b: string) => (period === "month" ? new Intl.DateTimeFormat(f.viewer.locale, { month: "long", year: "numeric", timeZone: "UTC" }).format(at(b)) : `${period === "week" ? "Week of " : ""}${formatDate(at(b), { ...f.viewer, timeZone: "UTC" })}`);
  const best = report.series.reduce((a, r) => (r.gross > (a?.gross ?? 0) ? r : a), undefined as RevenueReport["series"][number] | undefined);
  const summary = report.totals.gross
    ? `${f.money(report.totals.gross, currency)} gross and ${f.money(report.totals.net, currency)} net over ${f.plural(report.series.length, period)}; the best ${period} was ${label(best!.bucket)} with ${f.money(best!.gross, currency)} gross.`
    : `No sales in ${currency.toUpperCase()} between ${report.query.from} and ${report.query.to}.`;
  const unit = 10 ** CURRENCIES[currency];
  return (
    <figure className="chart" data-testid="revenue-chart">
      <StackedBarChart
        id="revenue-chart"
        title={`Revenue per ${period} in ${currency.toUpperCase()}: net, refunded and lost in disputes`}
        summary={summary}
        series={SERIES}
        rows={report.series.map((r, i) => {
          const year = r.bucket.slice(0, 4);
          return {
            key: r.bucket,
            tick: tickFormat.format(at(r.bucket)),
            sub: i === 0 || report.series[i - 1]!.bucket.slice(0, 4) !== year ? year : undefined,
            title: `${label(r.bucket)}: ${f.money(r.gross, currency)} gross, ${f.money(r.net, currency)} net, ${f.money(r.refunds, currency)} refunded, ${f.money(r.disputes, currency)} lost in disputes`,
            values: { net: Math.max(0, r.net), refunds: r.refunds, disputes: r.disputes },
          };
        })}
        unit={unit}
        formatTick={(t) => f.money(t, currency).replace(/[.,]00$/, "")}
        yTitle={`Amount (${currency.toUpperCase()})`}
        xTitle={period === "month" ? "Month" : period === "week" ? "Week (starting Monday, UTC)" : "Day (UTC)"}
      />
      <ChartLegend series={SERIES} note="Each bar is the period's gross revenue." />
    </figure>
  );
}

const percent = (bps: number | null, f: ReturnType<typeof useFormat>) => (bps === null ? "—" : f.number(bps / 10_000, { style: "percent", maximumFractionDigits: 2 }));

export default function AdminRevenue() {
  const { report, tables } = useLoaderData<typeof loader>();
  const f = useFormat();
  const c = report.query.currency;
  const t = report.totals;
  const cards: [string, string, string][] = [
    ["Gross revenue", f.money(t.gross, c), f.plural(t.payments, "payment")],
    ["Refunded", f.money(t.refunds, c), `${percent(t.refundRateBps, f)} of gross`],
    ["Lost in disputes", f.money(t.disputes, c), `${f.plural(t.disputeCount, "dispute")} lost (${percent(t.disputeRateBps, f)} of payments); fees ${f.money(t.disputeFees, c)}`],
    ["Net revenue", f.money(t.net, c), "Gross minus refunds and disputes"],
    ["Instructors' share", f.money(t.instructorShare, c), `Platform keeps ${f.money(t.platformShare, c)}`],
  ];
  return (
    <section className="stack-lg">
      <div className="stack">
        <p>
          <Link to="/admin">← Admin</Link>
        </p>
        <h1>Revenue</h1>
        <p className="muted">
          {f.date(Date.parse(`${report.query.from}T12:00:00Z`))} to {f.date(Date.parse(`${report.query.to}T12:00:00Z`))}, in {c.toUpperCase()}, by UTC day. Figures come from the daily rollups, updated with every payment, refund and dispute.
        </p>
        <HistoryFilters
          filters={[
            { name: "period", label: "Group by", type: "select", options: PERIODS.map((p) => [p, PERIOD_LABELS[p]] as const), anyLabel: "Day (default)" },
            { name: "currency", label: "Currency", type: "select", options: report.currencies.map((x) => [x, x.toUpperCase()] as const), anyLabel: "USD (default)" },
            { name: "from", label: "From", type: "date" },
            { name: "to", label: "To", type: "date" },
          ]}
        />
      </div>
      <div className="cards" data-testid="revenue-totals">
        {cards.map(([label, value, note]) => (
          <div className="card" key={label}>
            <h2 className="h-card">{label}</h2>
            <p className="big-number">{value}</p>
            <p className="muted">{note}</p>
          </div>
        ))}
      </div>
      <section className="stack" aria-labelledby="h-over-time">
        <h2 id="h-over-time">Over time</h2>
        <RevenueChart report={report} />
        <ReportTable id="series" caption={`Revenue per ${report.query.period}`} table={tables.series} />
      </section>
      <section className="stack" aria-labelledby="h-by">
        <h2 id="h-by">Where it comes from</h2>
        <ReportTable id="purposes" caption="Revenue by kind of sale" table={tables.purposes} />
        <ReportTable id="courses" caption="Top courses by gross revenue" table={tables.courses} />
        <ReportTable id="instructors" caption="Top instructors by gross revenue" table={tables.instructors} />
      </section>
    </section>
  );
}

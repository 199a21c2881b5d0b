import { scaleBand, scaleLinear } from "d3-scale";

/**
 * Stacked bar charts drawn on the server as SVG (d3-scale for the axes), readable at phone and
 * desktop widths: the chart is drawn twice, a wide one and a compact one with fewer, larger
 * labels, and CSS shows the one that fits (app.css `.chart-wide` / `.chart-compact`), so an axis
 * label is never shrunk to a few pixels. Only the shown one is in the accessibility tree
 * (display: none hides the other); both carry the title and the summary in words.
 */

export type BarSeries = { key: string; label: string; className: string };
export type BarRow = {
  key: string;
  /** On the axis ("Nov"); `sub` is a second line ("2026"), shown where it changes. */
  tick: string;
  sub?: string;
  /** Hover text of the bar, in words. */
  title: string;
  values: Record<string, number>;
};

/**
 * The value axis: 0 to a "nice" top with about four steps, each a whole number of `unit`s
 * (a unit is 100 for cents, so no "$12.50" ticks; 1 for counts).
 */
export function valueAxis(max: number, unit = 1) {
  const scale = scaleLinear()
    .domain([0, Math.max(1, max / unit)])
    .nice(4);
  const ticks = scale.ticks(4).filter(Number.isInteger);
  const top = Math.max(scale.domain()[1]!, ticks[ticks.length - 1] ?? 1);
  return { ticks: ticks.map((t) => t * unit), top: top * unit };
}

type Layout = { width: number; height: number; left: number; bottom: number; every: number; variant: "wide" | "compact" };

export function StackedBarChart({
  id,
  title,
  summary,
  series,
  rows,
  unit = 1,
  formatTick,
  yTitle,
  xTitle,
}: {
  id: string;
  title: string;
  summary: string;
  series: BarSeries[];
  rows: BarRow[];
  unit?: number;
  formatTick: (value: number) => string;
  yTitle: string;
  xTitle: string;
}) {
  const total = (r: BarRow) => series.reduce((sum, s) => sum + Math.max(0, r.values[s.key] ?? 0), 0);
  const axis = valueAxis(Math.max(0, ...rows.map(total)), unit);
  // At most ~7 labels on a phone, every label on a wide screen when they fit.
  const layouts: Layout[] = [
    { variant: "wide", width: 720, height: 300, left: 72, bottom: 56, every: Math.max(1, Math.ceil(rows.length / 16)) },
    { variant: "compact", width: 320, height: 240, left: 56, bottom: 52, every: Math.max(1, Math.ceil(rows.length / 6)) },
  ];
  return (
    <>
      {layouts.map((l) => {
        const top = 16;
        const right = 8;
        const x = scaleBand<string>()
          .domain(rows.map((r) => r.key))
          .range([l.left, l.width - right])
          .paddingInner(0.35)
          .paddingOuter(0.2);
        const y = scaleLinear()
          .domain([0, axis.top])
          .range([l.height - l.bottom, top]);
        const barW = Math.min(36, x.bandwidth());
        const plotMid = top + (l.height - l.bottom - top) / 2;
        const titleId = `${id}-${l.variant}-title`;
        const descId = `${id}-${l.variant}-desc`;
        return (
          <svg
            key={l.variant}
            className={`chart-${l.variant}`}
            viewBox={`0 0 ${l.width} ${l.height}`}
            role="img"
            aria-labelledby={`${titleId} ${descId}`}
            width="100%"
            preserveAspectRatio="xMidYMid meet"
            data-variant={l.variant}
          >
            <title id={titleId}>{title}</title>
            <desc id={descId}>{summary}</desc>
            <g className="chart-grid">
              {axis.ticks.map((t) => (
                <g key={t}>
                  <line x1={l.left} x2={l.width - right} y1={y(t)} y2={y(t)} className={t === 0 ? "chart-axis" : "chart-gridline"} />
                  <text x={l.left - 6} y={y(t) + 4} textAnchor="end" className="chart-label">
                    {formatTick(t)}
                  </text>
                </g>
              ))}
            </g>
            <text className="chart-axis-title" transform={`translate(14 ${plotMid}) rotate(-90)`} textAnchor="middle">
              {yTitle}
            </text>
            {rows.map((r, i) => {
              const cx = x(r.key)! + x.bandwidth() / 2;
              let base = 0;
              const labelled = i % l.every === 0;
              const subShown = labelled && r.sub !== undefined && (i === 0 || rows[i - l.every]?.sub !== r.sub);
              return (
                <g key={r.key}>
                  <title>{r.title}</title>
                  {series.map((s) => {
                    const v = Math.max(0, r.values[s.key] ?? 0);
                    const y0 = y(base);
                    base += v;
                    const y1 = y(base);
                    return v > 0 ? <rect key={s.key} x={cx - barW / 2} y={y1} width={barW} height={y0 - y1} className={s.className} /> : null;
                  })}
                  {labelled ? (
                    <text x={cx} y={l.height - l.bottom + 18} textAnchor="middle" className="chart-label">
                      {r.tick}
                    </text>
                  ) : null}
                  {subShown ? (
                    <text x={cx} y={l.height - l.bottom + 34} textAnchor="middle" className="chart-label">
                      {r.sub}
                    </text>
                  ) : null}
                </g>
              );
            })}
            <text x={l.left + (l.width - right - l.left) / 2} y={l.height - 4} textAnchor="middle" className="chart-axis-title">
              {xTitle}
            </text>
          </svg>
        );
      })}
    </>
  );
}

/** The legend under a chart, in the series' order. */
export function ChartLegend({ series, note }: { series: BarSeries[]; note?: string }) {
  return (
    <figcaption>
      {series.map((s) => (
        <span key={s.key} className="legend-item">
          <span className={`legend ${s.className}`} /> {s.label}
        </span>
      ))}
      {note ? <span className="muted"> {note}</span> : null}
    </figcaption>
  );
}

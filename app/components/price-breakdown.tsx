import { breakdownLines, type PriceBreakdown } from "~/modules/marketplace/price-breakdown";
import { useFormat } from "~/utils/format";

/**
 * The price breakdown as a definition list (course page, receipt): the same lines, in the same
 * order, from the one computation in app/modules/marketplace/price-breakdown.ts.
 */
export function PriceBreakdownList({ breakdown, tierName, totalLabel, testId = "price-breakdown" }: { breakdown: PriceBreakdown; tierName?: string; totalLabel?: string; testId?: string }) {
  const f = useFormat();
  const lines = breakdownLines(breakdown, tierName);
  return (
    <dl className="facts price-breakdown" data-testid={testId}>
      {lines.map((line) => (
        <div key={line.kind} className={line.kind === "total" ? "price-breakdown-total" : undefined} data-line={line.kind}>
          <dt>{line.kind === "total" && totalLabel ? totalLabel : line.kind === "sale" && breakdown.sale ? `Sale until ${f.date(breakdown.sale.endsAt - 1)}` : line.label}</dt>
          <dd className="num">
            {line.amount < 0 ? (
              <>
                <span className="sr-only">minus </span>
                <span aria-hidden="true">−</span>
                {f.money(-line.amount, breakdown.currency)}
              </>
            ) : (
              f.money(line.amount, breakdown.currency)
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

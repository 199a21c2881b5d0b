import type { HeadersFunction } from "@remix-run/cloudflare";
import type { Currency } from "~/utils/money";
import { useFormat } from "~/utils/format";

type PricedCard = { isFree: boolean; price: { amount: number; currency: string }; sale: { amount: number; endsAt: number } | null };

/**
 * A course's price on a card (catalog, instructor profile): "Free", the price, or on sale the list
 * price struck through beside the sale price and the day it ends. Members' own prices show on the
 * course page.
 */
export function CoursePrice({ course }: { course: PricedCard }) {
  const f = useFormat();
  const currency = course.price.currency as Currency;
  if (course.isFree) return <strong>Free</strong>;
  if (!course.sale) return <strong>{f.money(course.price.amount, currency)}</strong>;
  return (
    <span className="sale-price" data-testid="sale-price">
      <strong>{f.money(course.sale.amount, currency)}</strong> <del aria-label={`was ${f.money(course.price.amount, currency)}`}>{f.money(course.price.amount, currency)}</del>{" "}
      <span className="badge">Sale until {f.date(course.sale.endsAt - 1)}</span>
    </span>
  );
}

/**
 * Pages that show sale prices pass on when the next sale on them starts or ends (the loader's
 * `X-Edge-Fresh-Until`), so the edge cache keeps them no longer (workers/edge-cache.ts).
 */
export const saleFreshnessHeaders: HeadersFunction = ({ loaderHeaders }) => {
  const headers = new Headers();
  const until = loaderHeaders.get("X-Edge-Fresh-Until");
  if (until) headers.set("X-Edge-Fresh-Until", until);
  return headers;
};

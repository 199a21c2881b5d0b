import { useFormat } from "~/utils/format";

/** Renders integer minor units in their currency for the viewer's locale, e.g. 4999 usd → $49.99. */
export function Money({ amount, currency }: { amount: number; currency: string }) {
  const f = useFormat();
  return <span className="money">{f.money(amount, currency)}</span>;
}

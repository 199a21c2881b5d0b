import { formatMoney, type Currency } from "~/utils/money";

/** Renders integer minor units in their currency, e.g. 4999 usd → $49.99. */
export function Money({ amount, currency }: { amount: number; currency: string }) {
  return <span className="money">{formatMoney(amount, currency as Currency)}</span>;
}

export const formatWhen = (ms: number | null | undefined) =>
  ms ? `${new Date(ms).toISOString().replace("T", " ").slice(0, 16)} UTC` : "—";

const STATUS_LABELS: Record<string, string> = {
  requires_action: "Awaiting payment",
  processing: "Processing",
  canceled: "Canceled",
  failed: "Failed",
  succeeded: "Paid",
  partially_refunded: "Partially refunded",
  refunded: "Refunded",
};

export function PaymentStatus({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{STATUS_LABELS[status] ?? status}</span>;
}

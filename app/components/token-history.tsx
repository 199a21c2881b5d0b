import type { HistoryColumn } from "~/components/history";
import { When } from "~/components/when";
import { ENTRY_TYPE_LABELS } from "~/modules/tokens/config";
import type { TokenEntryType } from "~drizzle/schema/tokens";
import { formatNumber } from "~/utils/format";

type Entry = { id: string; createdAt: number; reason: string; type: TokenEntryType; amount: number; heldDelta: number; balanceAfter: number };

const signed = (n: number, locale: string) => (n > 0 ? `+${formatNumber(n, locale)}` : formatNumber(n, locale));

/** The columns of a token ledger (the learner's wallet and the admin's view of it). */
export function tokenColumns(locale: string): HistoryColumn<Entry>[] {
  return [
    { label: "Date", cell: (e) => <When ms={e.createdAt} as="dateTime" /> },
    { label: "What", cell: (e) => e.reason },
    { label: "Kind", cell: (e) => ENTRY_TYPE_LABELS[e.type] },
    { label: "Tokens", className: "num", cell: (e) => (e.amount !== 0 ? signed(e.amount, locale) : `${signed(e.heldDelta, locale)} held`) },
    { label: "Balance", className: "num", cell: (e) => formatNumber(e.balanceAfter, locale) },
  ];
}

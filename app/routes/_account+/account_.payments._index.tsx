import { isPaidStatus } from "~/modules/payments/status";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { History } from "~/components/history";
import { Money } from "~/components/money";
import { StatusBadge, statusLabel } from "~/components/status";
import { When } from "~/components/when";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { getPaymentFor, historySchema, listPayments } from "~/modules/payments/history.server";
import { PAYMENT_PURPOSES } from "~/modules/payments/purposes";
import { AppError } from "~/utils/errors";
import { parseQuery } from "~/utils/forms.server";
import { PAYMENT_STATUSES } from "~drizzle/schema/enums";
import { branded } from "~/utils/meta";

const PURPOSE_LABELS: Record<string, string> = { course_purchase: "Courses", subscription: "Plans" };

export const meta: MetaFunction = ({ matches }) => [{ title: branded(matches, "Payments · Coursemint") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "read:payment:own");
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const { payment: justPaid, ...filters } = params;
  const query = parseQuery(app, historySchema.omit({ userId: true }), Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== "")));
  const [history, returning] = await Promise.all([
    listPayments(app, { ...query, userId: user.id }),
    // The return from Checkout names the payment; a stale or foreign id just shows no banner.
    justPaid ? getPaymentFor(app, user, justPaid, false).catch(notFoundAsNull) : Promise.resolve(null),
  ]);
  return { ...history, returning };
}

function notFoundAsNull(error: unknown): null {
  if (error instanceof AppError && error.code === "not_found") return null;
  throw error;
}

export default function Payments() {
  const { items, nextCursor, returning } = useLoaderData<typeof loader>();
  return (
    <section className="stack">
      <h1>Payments</h1>
      {returning ? (
        <p className="alert success" role="status">
          {returning.status === "succeeded"
            ? `Thank you! Your payment for ${returning.description} is confirmed.`
            : returning.status === "failed" || returning.status === "canceled"
              ? `Your payment for ${returning.description} did not go through.`
              : `Thank you! We are confirming your payment for ${returning.description}; this page updates when it is done.`}
        </p>
      ) : null}
      <History
        filters={[
          { name: "status", label: "Status", type: "select", options: PAYMENT_STATUSES.map((v) => [v, statusLabel("payment", v)] as const) },
          { name: "purpose", label: "For", type: "select", anyLabel: "Anything", options: PAYMENT_PURPOSES.map((v) => [v, PURPOSE_LABELS[v] ?? statusLabel("payment", v)] as const) },
          { name: "from", label: "From", type: "date" },
          { name: "to", label: "To", type: "date" },
        ]}
        rows={items}
        rowKey={(p) => p.id}
        caption="Your payments"
        testId="payment-history"
        columns={[
          { label: "Date", cell: (p) => <When ms={p.createdAt} /> },
          { label: "Item", cell: (p) => p.description },
          { label: "Amount", className: "num", cell: (p) => <Money amount={p.amount} currency={p.currency} /> },
          {
            label: "Status",
            cell: (p) => (
              <span>
                <StatusBadge kind="payment" status={p.status} />
                {p.failure ? <span className="muted"> {p.failure.message}</span> : null}
              </span>
            ),
          },
          { label: "Refunded", className: "num", cell: (p) => (p.amountRefunded ? <Money amount={p.amountRefunded} currency={p.currency} /> : <span className="muted">None</span>) },
          {
            label: "",
            className: "actions",
            cell: (p) =>
              isPaidStatus(p.status) ? (
                <Link to={`/account/payments/${p.id}`} aria-label={`Receipt for ${p.description}`}>
                  Receipt
                </Link>
              ) : (
                <Link to={`/account/payments/${p.id}`} aria-label={`Details of ${p.description}`}>
                  Details
                </Link>
              ),
          },
        ]}
        empty={{ title: "No payments yet", body: "Courses and plans you buy show up here with their receipts.", action: <Link to="/courses">Browse courses</Link> }}
        nextCursor={nextCursor}
        nextLabel="Older payments →"
        drop={["payment"]}
      />
    </section>
  );
}

import { isPaidStatus } from "~/modules/payments/status";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { NextPageLink } from "~/components/pagination";
import { formatWhen, Money, PaymentStatus } from "~/components/money";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { getPaymentFor, historySchema, listPayments } from "~/modules/payments/history.server";
import { PAYMENT_PURPOSES } from "~/modules/payments/purposes";
import { AppError } from "~/utils/errors";
import { parseQuery } from "~/utils/forms.server";
import { PAYMENT_STATUSES } from "~drizzle/schema/enums";

export const meta: MetaFunction = () => [{ title: "Payments · Coursemint" }];

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
  const [params] = useSearchParams();
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
      <Form method="get" className="inline-form">
        <label>
          Status{" "}
          <select name="status" defaultValue={params.get("status") ?? ""}>
            <option value="">Any</option>
            {PAYMENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
        <label>
          For{" "}
          <select name="purpose" defaultValue={params.get("purpose") ?? ""}>
            <option value="">Anything</option>
            {PAYMENT_PURPOSES.map((p) => (
              <option key={p} value={p}>
                {p.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
        <label>
          From <input type="date" name="from" defaultValue={params.get("from") ?? ""} />
        </label>
        <label>
          To <input type="date" name="to" defaultValue={params.get("to") ?? ""} />
        </label>
        <button type="submit">Filter</button>
      </Form>
      {items.length === 0 ? (
        <p className="muted">No payments yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Date</th>
              <th>Item</th>
              <th>Amount</th>
              <th>Status</th>
              <th>Refunded</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((p) => (
              <tr key={p.id}>
                <td>{formatWhen(p.createdAt)}</td>
                <td>{p.description}</td>
                <td>
                  <Money amount={p.amount} currency={p.currency} />
                </td>
                <td>
                  <PaymentStatus status={p.status} />
                  {p.failure ? <div className="muted">{p.failure.message}</div> : null}
                </td>
                <td>{p.amountRefunded ? <Money amount={p.amountRefunded} currency={p.currency} /> : "—"}</td>
                <td>
                  {/* Only money that went through has a receipt; the rest show their details. */}
                  <Link to={`/account/payments/${p.id}`}>{isPaidStatus(p.status) ? "Receipt" : "Details"}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <NextPageLink cursor={nextCursor} drop={["payment"]}>
        Older payments →
      </NextPageLink>
    </section>
  );
}

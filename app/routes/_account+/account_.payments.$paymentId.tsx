import { isPaidStatus } from "~/modules/payments/status";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { ConfirmPanel, confirmStepOf } from "~/components/confirm";
import { FormStatus } from "~/components/forms";
import { RefundPolicyNote, RefundRequestPanel } from "~/components/refund-request";
import { refundFormAction } from "~/modules/marketplace/refund-form.server";
import { refundOptionForPayment } from "~/modules/marketplace/refund-requests.server";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { HistoryTable } from "~/components/history";
import { Money } from "~/components/money";
import { humanize, StatusBadge } from "~/components/status";
import { When } from "~/components/when";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { hasPermission } from "~/modules/auth/permissions";
import { findPayer, getPaymentFor } from "~/modules/payments/history.server";
import { breakdownFromMetadata } from "~/modules/marketplace/price-breakdown";
import { PriceBreakdownList } from "~/components/price-breakdown";
import type { Currency } from "~/utils/money";
import { AppError, errorResponse, toAppError } from "~/utils/errors";
import { branded } from "~/utils/meta";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [{ title: branded(matches, `${data && isPaidStatus(data.payment.status) ? "Receipt" : "Payment"} ${data?.payment.id ?? ""} · Coursemint`) }];

/** A printable receipt for one of the caller's payments (admins: any); others get a 404. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "read:payment:own");
  try {
    const paymentId = params.paymentId ?? "";
    // One round trip after the session: the payment with its refunds, the payer, and (the learner's own
    // course purchase only; null otherwise) its refund request or the offer to ask for one.
    const [payment, payer, refund] = await Promise.all([
      getPaymentFor(app, user, paymentId, hasPermission(user, "read:payment:any")),
      findPayer(app, paymentId),
      refundOptionForPayment(app, user.id, paymentId),
    ]);
    // The price breakdown recorded with the payment (list → tier → code → tokens → paid).
    const priced = payer?.purpose === "course_purchase" ? breakdownFromMetadata({ amount: payment.amount, currency: payment.currency as Currency, metadata: payer.metadata }) : null;
    const breakdown = priced && priced.breakdown.total !== priced.breakdown.listPrice ? priced : null;
    return { payment, payer: payer ? { name: payer.name, email: payer.email } : null, refund, breakdown };
  } catch (error) {
    throw errorResponse(toAppError(error), app.requestId);
  }
}

/** The payer asks for a refund of a course purchase (confirmation step first), or sends a refused request to review. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "read:payment:own");
  try {
    if (form.get("paymentId") !== params.paymentId) throw new AppError("bad_request", "This form is for another payment.");
    return await refundFormAction(app, user, form);
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function Receipt() {
  const { payment, payer, refund, breakdown } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const confirmStep = confirmStepOf(answer);
  const result = (confirmStep ? undefined : answer) as FormResult | undefined;
  const paid = isPaidStatus(payment.status);
  return (
    <article className="receipt stack">
      <header>
        <p className="brand">Coursemint</p>
        <h1>{paid ? "Receipt" : "Payment"}</h1>
        <p className="muted no-print">
          <Link to="/account/payments">← All payments</Link> · <button type="button" className="link-button" onClick={() => window.print()}>Print</button>
        </p>
      </header>
      <div className="no-print stack">
        <FormStatus result={result} />
        <ConfirmPanel step={confirmStep} />
      </div>
      <dl className="facts">
        <dt>Billed to</dt>
        <dd>
          {payer?.name} ({payer?.email})
        </dd>
        <dt>Item</dt>
        <dd>{payment.description}</dd>
        <dt>Amount</dt>
        <dd>
          <Money amount={payment.amount} currency={payment.currency} />
        </dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge kind="payment" status={payment.status} />
          {payment.failure ? ` — ${payment.failure.message}` : null}
        </dd>
        <dt>Date</dt>
        <dd>
          <When ms={payment.succeededAt ?? payment.createdAt} as="dateTime" />
        </dd>
        <dt>Reference</dt>
        <dd>
          <code>{payment.id}</code> <span className="muted">(quote it if you write to us)</span>
        </dd>
      </dl>
      {breakdown ? (
        <section className="stack">
          <h2>How the price was made</h2>
          <PriceBreakdownList breakdown={breakdown.breakdown} tierName={breakdown.tierName} totalLabel={isPaidStatus(payment.status) ? "Paid" : "To pay"} testId="receipt-breakdown" />
        </section>
      ) : null}
      {payment.refunds.length ? (
        <section>
          <h2>Refunds</h2>
          <HistoryTable
            rows={payment.refunds}
            rowKey={(r) => r.id}
            caption="Refunds of this payment"
            columns={[
              { label: "Date", cell: (r) => <When ms={r.createdAt} /> },
              { label: "Amount", className: "num", cell: (r) => <Money amount={r.amount} currency={r.currency} /> },
              { label: "Reason", cell: (r) => humanize(r.reason) },
              { label: "Status", cell: (r) => <StatusBadge kind="refund" status={r.status} /> },
            ]}
          />
          <p>
            Net paid: <Money amount={payment.amount - payment.amountRefunded} currency={payment.currency} />
          </p>
        </section>
      ) : null}
      {refund && (paid || refund.request) ? (
        <div className="no-print stack">
          {refund.request || refund.canAskLate ? <RefundRequestPanel option={refund} /> : null}
          <RefundPolicyNote />
        </div>
      ) : null}
    </article>
  );
}

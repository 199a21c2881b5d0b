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
import { REVERSE_CHARGE_NOTE, TAX_POLICY, taxLineLabel, type PaymentTax } from "~/modules/payments/tax";

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
    // The breakdown ends at the price; tax added on top (exclusive) is its own line below.
    const addedTax = payment.tax?.behavior === "exclusive" ? payment.taxAmount : 0;
    const priced = payer?.purpose === "course_purchase" ? breakdownFromMetadata({ amount: payment.amount - addedTax, currency: payment.currency as Currency, metadata: payer.metadata }) : null;
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

/** The buyer's address on one line (country code last). */
const formatAddress = (a: Record<string, string | null>) => [a.line1, a.city, a.state, a.postal_code, a.country].filter(Boolean).join(", ");
const TAX_ID_LABELS: Record<string, string> = { eu_vat: "VAT", gb_vat: "VAT", au_abn: "ABN", ca_bn: "BN", us_ein: "EIN" };
const taxIdLabel = (type: string | null) => TAX_ID_LABELS[type ?? ""] ?? "Tax ID";

/** The tax lines of a receipt: the tax with its rate and jurisdiction, the net, and the reverse-charge wording when it applies. */
function TaxFacts({ tax, amount, currency }: { tax: PaymentTax; amount: number; currency: string }) {
  return (
    <>
      <dt>Price before tax</dt>
      <dd>
        <Money amount={amount - tax.amount} currency={currency} />
      </dd>
      <dt>Tax</dt>
      <dd data-testid="receipt-tax">
        {taxLineLabel(tax)}: <Money amount={tax.amount} currency={currency} />
        {tax.reverseCharge ? (
          <span className="block" data-testid="receipt-reverse-charge">
            {REVERSE_CHARGE_NOTE}
          </span>
        ) : null}
      </dd>
    </>
  );
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
          {payment.tax?.buyerBusinessName ? (
            <>
              {payment.tax.buyerBusinessName}, {payer?.name} ({payer?.email})
            </>
          ) : (
            <>
              {payer?.name} ({payer?.email})
            </>
          )}
          {payment.tax?.buyerAddress ? <span className="block muted">{formatAddress(payment.tax.buyerAddress)}</span> : null}
          {payment.tax?.buyerTaxId ? <span className="block" data-testid="receipt-buyer-tax-id">{`${taxIdLabel(payment.tax.buyerTaxIdType)} ${payment.tax.buyerTaxId}`}</span> : null}
        </dd>
        <dt>Sold by</dt>
        <dd data-testid="receipt-seller">
          {TAX_POLICY.seller.name}, {TAX_POLICY.seller.address}
          <span className="block">{`${TAX_POLICY.seller.taxIdLabel} ${TAX_POLICY.seller.taxId}`}</span>
        </dd>
        <dt>Item</dt>
        <dd>{payment.description}</dd>
        <dt>{payment.tax ? "Total paid" : "Amount"}</dt>
        <dd>
          <Money amount={payment.amount} currency={payment.currency} />
        </dd>
        {payment.tax ? <TaxFacts tax={payment.tax} amount={payment.amount} currency={payment.currency} /> : null}
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

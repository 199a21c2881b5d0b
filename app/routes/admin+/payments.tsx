import { isPaidStatus } from "~/modules/payments/status";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import * as z from "zod";
import { CsrfInput, FormStatus } from "~/components/forms";
import { EmptyState } from "~/components/empty-state";
import { HistoryTable } from "~/components/history";
import { Money } from "~/components/money";
import { StatusBadge, statusLabel } from "~/components/status";
import { When } from "~/components/when";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { paymentSearchSchema, searchPayments } from "~/modules/payments/admin.server";
import { getPaymentFor } from "~/modules/payments/history.server";
import { checkRefund, refundPayment } from "~/modules/payments/refunds.server";
import { ConfirmPanel, confirmStepOf } from "~/components/confirm";
import { SubmitButton } from "~/components/submit-button";
import { askToConfirm, isConfirmed } from "~/utils/confirm.server";
import { users } from "~drizzle/schema";
import { eq } from "drizzle-orm";
import { eventFilterSchema, listStripeEvents, replayStripeEvent } from "~/modules/payments/stripe-events.server";
import { AppError, parseOrThrow } from "~/utils/errors";
import { formError, keptValues, parseQuery, readForm, type FormResult } from "~/utils/forms.server";
import { formatMoney, parseAmount, type Currency } from "~/utils/money";
import { STRIPE_EVENT_STATUSES } from "~drizzle/schema/enums";

export const meta: MetaFunction = () => [{ title: "Payments · Admin · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:payment:any");
  await requireUserWithPermission(app, request, "read:stripe-event:any");
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const { q } = parseQuery(app, paymentSearchSchema, { q: params.q });
  const eventFilter = parseQuery(app, eventFilterSchema, { status: params.events ?? "" });
  const [found, events] = await Promise.all([searchPayments(app, q), listStripeEvents(app, eventFilter)]);
  return { found, events };
}

const actionSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("refund"),
    paymentId: z.string(),
    // Typed in major units of the payment's currency (e.g. 12.50); empty = refund everything left.
    amount: z.string().trim().default(""),
    reason: z.string(),
  }),
  z.object({ intent: z.literal("replay"), eventId: z.string().min(1).max(255) }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const intent = form.get("intent");
  const admin = await requireUserWithPermission(app, request, intent === "replay" ? "update:stripe-event:any" : "create:refund:any");
  try {
    const input = parseOrThrow(actionSchema, Object.fromEntries(form));
    if (input.intent === "replay") {
      await replayStripeEvent(app, admin, input.eventId);
      return data<FormResult>({ ok: `Event ${input.eventId} queued again.` });
    }
    let amount: number | undefined;
    if (input.amount !== "") {
      const payment = await getPaymentFor(app, admin, input.paymentId, true);
      const parsed = parseAmount(input.amount, payment.currency as Currency);
      if (!parsed.ok) throw AppError.validation({ amount: [`${parsed.error}, or leave empty for a full refund`] });
      amount = parsed.amount;
    }
    const refundInput = { paymentId: input.paymentId, amount, reason: input.reason };
    if (!isConfirmed(form)) {
      // Checked as the refund itself checks it, then shown: nothing moves without confirm=yes.
      const check = await checkRefund(app, refundInput);
      const payer = await app.db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, check.payment.userId)).get();
      const money = formatMoney(check.amount, check.payment.currency as Currency);
      const full = check.amount === check.left && check.payment.amountRefunded === 0;
      return askToConfirm(form, {
        title: `Refund ${money} to ${payer?.name ?? "the buyer"}?`,
        body: `${full ? "A full refund" : check.amount === check.left ? "A refund of everything left" : `A partial refund (${formatMoney(check.left - check.amount, check.payment.currency as Currency)} will be left to refund after it)`} of “${check.payment.description}”${payer ? ` paid by ${payer.email}` : ""}. The money goes back to their card${check.payment.purpose === "course_purchase" && check.amount === check.left ? " and a full refund removes their access to the course" : ""}.${input.reason.trim() ? ` The learner sees your reason, “${input.reason.trim()}”, on their receipt and in the email.` : ""} This cannot be undone.`,
        confirmLabel: `Refund ${money}`,
        pendingLabel: "Refunding…",
      });
    }
    const { refund } = await refundPayment(app, admin, refundInput);
    return data<FormResult>({ ok: `${statusLabel("refund", refund.status)} (refund ${refund.id}).` });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function AdminPayments() {
  const { found, events } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const confirmStep = confirmStepOf(answer);
  const result = (confirmStep ? undefined : answer) as FormResult | undefined;
  const [params] = useSearchParams();
  return (
    <div className="stack-lg">
      <section className="stack">
        <h1>Payments</h1>
        <FormStatus result={result} />
        <ConfirmPanel step={confirmStep} />
        {result?.errors && Object.keys(result.errors).some((k) => k !== "_form") ? (
          <ul className="field-errors" role="alert" tabIndex={-1} data-error-summary>
            {Object.entries(result.errors).flatMap(([field, messages]) => messages.map((m) => <li key={field + m}>{`${field}: ${m}`}</li>))}
          </ul>
        ) : null}
        <Form method="get" className="inline-form">
          <div className="field">
            <label htmlFor="find-payment">Payment id or email</label>
            <input id="find-payment" name="q" defaultValue={params.get("q") ?? ""} aria-describedby="find-payment-hint" />
            <p className="hint" id="find-payment-hint">
              For example pay_01… or learner@example.com
            </p>
          </div>
          <button type="submit">Find</button>
        </Form>
        {found.length === 0 ? <EmptyState title={params.get("q") ? "No payments match" : "Find a payment"}>Search by payment id or by the payer's email.</EmptyState> : null}
        {found.map((p) => (
          <article key={p.id} className="card stack" aria-label={`Payment ${p.id}`}>
            <p>
              <strong>
                {p.description} — <Money amount={p.amount} currency={p.currency} />
              </strong>
            </p>
            <p>
              {p.email} · <When ms={p.createdAt} as="dateTime" /> · <StatusBadge kind="payment" status={p.status} />{" "}
              {p.amountRefunded ? (
                <>
                  (refunded <Money amount={p.amountRefunded} currency={p.currency} />)
                </>
              ) : null}{" "}
              <Link to={`/account/payments/${p.id}`}>{isPaidStatus(p.status) ? "Receipt" : "Details"}</Link>
            </p>
            <p className="muted">
              Reference <code>{p.id}</code>
            </p>
            {p.amountRefundable > 0 ? (
              // Keyed by what is left, so the form starts empty again once a refund went through.
              <Form method="post" className="inline-form" key={`${p.id}:${p.amountRefundable}`}>
                <CsrfInput />
                <input type="hidden" name="paymentId" value={p.id} />
                <label>
                  Amount in {p.currency.toUpperCase()} (leave empty to refund all <Money amount={p.amountRefundable} currency={p.currency} />)
                  <input name="amount" inputMode="decimal" />
                </label>
                <label>
                  Reason (the learner sees it on the receipt and in the email) <input name="reason" required minLength={3} maxLength={300} />
                </label>
                <SubmitButton name="intent" value="refund" className="danger" pendingText="Checking…">
                  Refund
                </SubmitButton>
              </Form>
            ) : null}
          </article>
        ))}
      </section>

      <section className="stack" aria-labelledby="events-title">
        <h2 id="events-title">Webhook events needing attention</h2>
        <Form method="get" className="inline-form">
          <input type="hidden" name="q" value={params.get("q") ?? ""} />
          <label>
            Status{" "}
            <select name="events" defaultValue={params.get("events") ?? ""}>
              <option value="">Needing attention</option>
              {STRIPE_EVENT_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {statusLabel("webhook", s)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="secondary">
            Show
          </button>
        </Form>
        {events.length === 0 ? (
          <EmptyState title="No events need attention">Failed Stripe events show up here, ready to replay.</EmptyState>
        ) : (
          <HistoryTable
            rows={events}
            rowKey={(e) => e.id}
            caption="Stripe webhook events"
            columns={[
              { label: "Event", cell: (e) => <code>{e.id}</code> },
              { label: "Type", cell: (e) => <code>{e.type}</code> },
              { label: "Status", cell: (e) => <StatusBadge kind="webhook" status={e.status} /> },
              { label: "Attempts", className: "num", cell: (e) => e.attempts },
              { label: "Last error", cell: (e) => e.lastError ?? "None" },
              { label: "Received", cell: (e) => <When ms={e.receivedAt} as="dateTime" /> },
              {
                label: "",
                className: "actions",
                cell: (e) =>
                  e.status === "failed" || e.status === "dead" ? (
                    <Form method="post">
                      <CsrfInput />
                      <input type="hidden" name="eventId" value={e.id} />
                      <button type="submit" name="intent" value="replay" className="small" aria-label={`Replay ${e.id}`}>
                        Replay
                      </button>
                    </Form>
                  ) : null,
              },
            ]}
          />
        )}
      </section>
    </div>
  );
}

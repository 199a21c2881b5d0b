import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { ConfirmPanel, confirmStepOf } from "~/components/confirm";
import { EmptyState } from "~/components/empty-state";
import { CsrfInput, FormStatus } from "~/components/forms";
import { Money } from "~/components/money";
import { StatusBadge, statusLabel } from "~/components/status";
import { SubmitButton } from "~/components/submit-button";
import { When } from "~/components/when";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { decideRefundRequest, findRefundRequestForReview, listRefundRequests, refundRequestFilterSchema } from "~/modules/marketplace/refund-requests.server";
import { askToConfirm, isConfirmed } from "~/utils/confirm.server";
import { AppError } from "~/utils/errors";
import { formError, keptValues, parseQuery, readForm, type FormResult } from "~/utils/forms.server";
import { formatMoney, type Currency } from "~/utils/money";
import { REFUND_REQUEST_STATUSES } from "~drizzle/schema/enums";

export const meta: MetaFunction = () => [{ title: "Refund requests · Admin · Coursemint" }];

/** The review queue of self-service refund requests the policy refused and the learner sent on. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:payment:any");
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const filter = parseQuery(app, refundRequestFilterSchema, { status: params.status || undefined, cursor: params.cursor });
  return { list: await listRefundRequests(app, filter), status: filter.status };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const admin = await requireUserWithPermission(app, request, "create:refund:any");
  try {
    const decision = form.get("decision");
    const input = { requestId: String(form.get("requestId") ?? ""), decision, ...(String(form.get("note") ?? "").trim() ? { note: String(form.get("note")) } : {}) };
    if (decision !== "approve" && decision !== "decline") throw AppError.validation({ decision: ["Choose approve or decline"] });
    if (decision === "decline" && !input.note) throw AppError.validation({ note: ["Tell the learner why you decline (3+ characters)"] });
    if (decision === "approve" && !isConfirmed(form)) {
      const found = await findRefundRequestForReview(app, input.requestId);
      const money = formatMoney(found.amountLeft, found.payment.currency as Currency);
      return askToConfirm(form, {
        title: `Approve and refund ${money} to ${found.learner.name}?`,
        body: `What is left of “${found.payment.description}” goes back to ${found.learner.email}'s card and their access to the course ends. This cannot be undone.`,
        confirmLabel: `Refund ${money}`,
        pendingLabel: "Refunding…",
      });
    }
    const { request: decided, refund } = await decideRefundRequest(app, admin, input);
    return data<FormResult>({
      ok: decided.status === "declined" ? "Declined; the learner gets an email with your note." : `${statusLabel("refundRequest", decided.status)}: ${refund ? statusLabel("refund", refund.status).toLowerCase() : "refund pending"}.`,
    });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function RefundRequests() {
  const { list, status } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const confirmStep = confirmStepOf(answer);
  const result = (confirmStep ? undefined : answer) as FormResult | undefined;
  const [params] = useSearchParams();
  const next = new URLSearchParams(params);
  if (list.nextCursor) next.set("cursor", list.nextCursor);
  return (
    <section className="stack">
      <h1>Refund requests</h1>
      <p className="muted">
        Requests the refund policy refused and the learner sent to review. Approving refunds what is left of the payment; declining sends the learner your note. Both are in the{" "}
        <Link to="/admin/audit">audit log</Link>.
      </p>
      <FormStatus result={result} />
      <ConfirmPanel step={confirmStep} />
      <Form method="get" className="inline-form">
        <label>
          Show{" "}
          <select name="status" defaultValue={status}>
            {REFUND_REQUEST_STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel("refundRequest", s)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="secondary">
          Show
        </button>
      </Form>
      {list.items.length === 0 ? (
        <EmptyState title={status === "in_review" ? "Nothing to review" : "No requests"}>
          {status === "in_review" ? "Refused requests that learners send to review show up here." : `No request is “${statusLabel("refundRequest", status).toLowerCase()}”.`}
        </EmptyState>
      ) : null}
      {list.items.map((r) => (
        <article key={r.id} className="card stack" aria-label={`Refund request from ${r.learner.name}`} data-testid="refund-request-row">
          <p>
            <StatusBadge kind="refundRequest" status={r.status} /> <strong>{r.learner.name}</strong> ({r.learner.email}) · <Link to={`/courses/${r.course.slug}`}>{r.course.title}</Link>
          </p>
          <dl className="facts">
            <dt>Paid</dt>
            <dd>
              <Money amount={r.payment.amount} currency={r.currency} /> on <When ms={r.payment.paidAt} as="dateTime" /> · <Link to={`/account/payments/${r.paymentId}`}>Receipt</Link>
            </dd>
            <dt>Left to refund</dt>
            <dd>
              <Money amount={r.payment.amountLeft} currency={r.currency} />
            </dd>
            <dt>Asked</dt>
            <dd>
              <When ms={r.createdAt} as="dateTime" />
            </dd>
            <dt>Refused because</dt>
            <dd data-testid="refund-request-reason">{r.refusalReason ?? "—"}</dd>
            <dt>Learner's words</dt>
            <dd>{[r.reason, r.reviewNote].filter(Boolean).join(" · ") || "—"}</dd>
            {r.decisionNote ? (
              <>
                <dt>Decision note</dt>
                <dd>{r.decisionNote}</dd>
              </>
            ) : null}
          </dl>
          {r.status === "in_review" ? (
            <Form method="post" className="stack narrow-left">
              <CsrfInput />
              <input type="hidden" name="requestId" value={r.id} />
              <div className="field">
                <label htmlFor={`note-${r.id}`}>Note to the learner (required to decline)</label>
                <textarea id={`note-${r.id}`} name="note" rows={2} maxLength={1000} />
              </div>
              <div className="confirm-actions">
                <SubmitButton name="decision" value="approve" className="danger" pendingText="Checking…">
                  Approve and refund <Money amount={r.payment.amountLeft} currency={r.currency} />
                </SubmitButton>
                <SubmitButton name="decision" value="decline" className="secondary" pendingText="Declining…">
                  Decline
                </SubmitButton>
              </div>
            </Form>
          ) : null}
        </article>
      ))}
      {list.nextCursor ? <Link to={`?${next}`}>Older requests →</Link> : null}
    </section>
  );
}

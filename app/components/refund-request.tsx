import { Form } from "@remix-run/react";
import type { RefundOption } from "~/modules/marketplace/refund-requests.server";
import { REFUND_POLICY, refundPolicyWords } from "~/modules/marketplace/refund-policy";
import { useFormat } from "~/utils/format";
import { CsrfInput } from "./forms";
import { StatusBadge } from "./status";
import { SubmitButton } from "./submit-button";

/** The refund policy in words (course page, receipt). */
export function RefundPolicyNote({ open = false }: { open?: boolean }) {
  const words = refundPolicyWords();
  return (
    <details className="refund-policy" open={open} data-testid="refund-policy">
      <summary>{words.summary}</summary>
      <ul>
        {words.rules.map((rule) => (
          <li key={rule}>{rule}</li>
        ))}
      </ul>
    </details>
  );
}

/**
 * A learner's refund of one course purchase: the request's state in words, or the form to ask
 * (a confirmation step follows, app/modules/marketplace/refund-form.server.ts), and for a refused
 * request the form that sends it to review. Works without JavaScript.
 */
export function RefundRequestPanel({ option, action }: { option: RefundOption; action?: string }) {
  const f = useFormat();
  const { request } = option;
  const money = f.money(option.amountLeft || request?.amount || 0, option.currency);
  return (
    <section className="card stack refund-request" aria-labelledby="refund-title" data-testid="refund-request">
      <h2 id="refund-title">Refund</h2>
      {request ? (
        <div className="stack">
          <p>
            <StatusBadge kind="refundRequest" status={request.status} testId="refund-request-status" /> <span className="muted">asked on {f.date(request.createdAt)}</span>
          </p>
          {request.status === "granted" || request.status === "approved" ? (
            <p>
              {f.money(request.amount, request.currency)} goes back to your card (usually within 5–10 business days). Your access to the course has ended.
            </p>
          ) : null}
          {request.refusalReason && request.status !== "granted" ? <p data-testid="refund-refusal">{request.refusalReason}</p> : null}
          {request.status === "in_review" ? <p>Our team is reviewing your request and will reply by email.</p> : null}
          {request.status === "declined" ? <p>Our team declined the refund{request.decisionNote ? `: ${request.decisionNote}` : "."}</p> : null}
          {request.status === "failed" ? <p>The refund could not be made. You can ask again.</p> : null}
          {request.status === "refused" ? (
            <Form method="post" action={action} className="stack narrow-left">
              <CsrfInput />
              <input type="hidden" name="paymentId" value={option.paymentId} />
              <div className="field">
                <label htmlFor="refund-note">Anything our team should know (optional)</label>
                <textarea id="refund-note" name="note" rows={3} maxLength={500} />
              </div>
              <SubmitButton name="intent" value="refund-review" pendingText="Sending…">
                Send to our team for review
              </SubmitButton>
            </Form>
          ) : null}
        </div>
      ) : null}
      {(!request || request.status === "failed") && option.canAskLate ? (
        <Form method="post" action={action} className="stack narrow-left">
          <CsrfInput />
          <input type="hidden" name="paymentId" value={option.paymentId} />
          {option.canAsk ? (
            <p>
              You can ask for a refund of {money} until {f.date(option.windowEndsAt)}.
            </p>
          ) : (
            <>
              <p>
                The {REFUND_POLICY.windowDays}-day refund window for this purchase ended on {f.date(option.windowEndsAt)}. You can still ask: our team reviews late requests.
              </p>
              <input type="hidden" name="review" value="yes" />
            </>
          )}
          <div className="field">
            <label htmlFor="refund-reason">Why are you asking? (optional)</label>
            <textarea id="refund-reason" name="reason" rows={3} maxLength={500} />
          </div>
          <SubmitButton name="intent" value="refund-request" className="secondary" pendingText="Checking…">
            {option.canAsk ? "Ask for a refund" : "Ask our team for a refund"}
          </SubmitButton>
        </Form>
      ) : null}
    </section>
  );
}

import { Form, useLocation } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { CsrfInput } from "./forms";
import { SubmitButton } from "./submit-button";

/** What the server sends back instead of acting (app/utils/confirm.server.ts: askToConfirm). */
export type ConfirmStep = {
  /** The question, e.g. "Refund $49.00 to Ana?" */
  title: string;
  /** What happens, e.g. "This cannot be undone." */
  body: string;
  /** The confirming button, e.g. "Refund $49.00". */
  confirmLabel: string;
  pendingLabel: string;
  /** The fields of the first POST, sent again with confirm=yes. */
  fields: Record<string, string>;
};

/**
 * The confirmation step of a destructive action, shown in the page (no JavaScript needed): the
 * question, its consequence, Confirm (re-posts with confirm=yes) and Back (reloads the page,
 * nothing done). Focus moves to it so keyboard and screen-reader users land on the question.
 */
export function ConfirmPanel({ step, action }: { step?: ConfirmStep | null; action?: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const location = useLocation();
  useEffect(() => {
    if (step) heading.current?.focus();
  }, [step]);
  if (!step) return null;
  return (
    <section className="confirm-panel card" aria-labelledby="confirm-title" aria-describedby="confirm-body" data-testid="confirm-step">
      <h2 id="confirm-title" ref={heading} tabIndex={-1}>
        {step.title}
      </h2>
      <p id="confirm-body">{step.body}</p>
      <Form method="post" action={action} className="confirm-actions">
        <CsrfInput />
        {Object.entries(step.fields).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name="confirm" value="yes" />
        <SubmitButton className="danger" pendingText={step.pendingLabel}>
          {step.confirmLabel}
        </SubmitButton>
        <a className="button secondary" href={`${location.pathname}${location.search}`}>
          Back
        </a>
      </Form>
    </section>
  );
}

/** The confirmation step out of an action's answer, when that is what it is. */
export function confirmStepOf(result: unknown): ConfirmStep | null {
  return result && typeof result === "object" && "confirm" in result ? ((result as { confirm: ConfirmStep }).confirm ?? null) : null;
}

import { useRouteLoaderData } from "@remix-run/react";
import { useEffect, useRef } from "react";
import type { FieldErrors } from "~/utils/errors";

/** Hidden CSRF field every mutating form includes; the value comes from the root loader. */
export function CsrfInput() {
  const data = useRouteLoaderData<{ csrfToken: string }>("root");
  return <input type="hidden" name="csrf" value={data?.csrfToken ?? ""} />;
}

type FieldProps = React.InputHTMLAttributes<HTMLInputElement> & {
  label: string;
  name: string;
  errors?: FieldErrors;
};

/** A labelled input with its field errors announced to assistive technology. */
export function Field({ label, name, errors, ...input }: FieldProps) {
  const id = input.id ?? `field-${name}`;
  const messages = errors?.[name];
  const errorId = messages?.length ? `${id}-error` : undefined;
  // Without JavaScript the re-rendered page puts focus on the first invalid field itself.
  const firstInvalid = !!errorId && Object.keys(errors ?? {}).find((k) => k !== "_form") === name;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name={name} aria-invalid={errorId ? true : undefined} aria-describedby={errorId} autoFocus={firstInvalid || undefined} {...input} />
      {errorId ? (
        <ul id={errorId} className="field-errors" role="alert">
          {messages!.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Form-level error (e.g. wrong credentials) shown above the fields. */
export function FormError({ errors }: { errors?: FieldErrors }) {
  useFocusOnErrors(errors);
  const messages = errors?._form;
  if (!messages?.length) return null;
  const fieldErrors = Object.keys(errors ?? {}).some((k) => k !== "_form");
  return (
    // Without JavaScript the page focuses the message itself (autofocus), unless a field is invalid.
    <div className="alert error" role="alert" tabIndex={-1} data-error-summary autoFocus={!fieldErrors || undefined}>
      {messages.join(" ")}
    </div>
  );
}

/**
 * (Called by FormError, so every page showing its errors gets it.) After a rejected submission, moves focus to the first invalid field, or else to the form's error
 * message, instead of leaving it on the page body (keyboard and screen-reader users land on what
 * needs fixing). Runs once per new answer.
 */
export function useFocusOnErrors(errors?: FieldErrors) {
  const last = useRef<FieldErrors | undefined>(undefined);
  useEffect(() => {
    if (!errors || errors === last.current) return;
    last.current = errors;
    const target =
      document.querySelector<HTMLElement>('main [aria-invalid="true"]') ??
      document.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      document.querySelector<HTMLElement>("[data-error-summary]");
    target?.focus();
  }, [errors]);
}

/** The outcome of a page action: its success message, or its form-level error. */
export function FormStatus({ result }: { result?: { ok?: string; errors?: FieldErrors } }) {
  return (
    <>
      {result?.ok ? (
        <p className="alert success" role="status">
          {result.ok}
        </p>
      ) : null}
      <FormError errors={result?.errors} />
    </>
  );
}

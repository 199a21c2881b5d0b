import { useNavigation } from "@remix-run/react";
import { useEffect, useState, type ButtonHTMLAttributes, type MouseEvent, type ReactNode } from "react";

type SubmitButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, "type"> & {
  /** What the button says while its request is in flight ("Paying…", "Refunding…"). */
  pendingText: ReactNode;
  children: ReactNode;
};

/**
 * The submit button for anything that starts work (money above all). With JavaScript, from the
 * click until the page has the answer it says `pendingText`, is `aria-busy` and `aria-disabled`,
 * and swallows further clicks, so it cannot be pressed twice (it stays focusable, unlike
 * `disabled`, so screen readers keep their place). Only its own submission blocks it: another
 * form's answer still reloading the page's data must not eat this click unseen. Without
 * JavaScript the browser sends one form at a time and the server's idempotency (one open payment
 * per purchase, confirm=yes steps) protects the rest.
 */
export function SubmitButton({ pendingText, children, className, onClick, disabled, ...rest }: SubmitButtonProps) {
  const navigation = useNavigation();
  const [clicked, setClicked] = useState(false);
  const busy = navigation.state !== "idle" && navigation.formData != null;
  const pending = clicked && busy;
  // The submission is over (answered, redirected, or never started because a field was invalid).
  useEffect(() => {
    if (navigation.state === "idle") setClicked(false);
  }, [navigation.state]);
  const handleClick = (event: MouseEvent<HTMLButtonElement>) => {
    if (pending) {
      event.preventDefault();
      return;
    }
    onClick?.(event);
    // An invalid field stops the browser from submitting: then there is nothing to wait for.
    if (!event.defaultPrevented && event.currentTarget.form?.checkValidity() !== false) setClicked(true);
  };
  return (
    <button
      type="submit"
      {...rest}
      disabled={disabled}
      className={[className, pending ? "is-pending" : null].filter(Boolean).join(" ") || undefined}
      aria-busy={pending || undefined}
      aria-disabled={pending || disabled || undefined}
      data-pending={pending || undefined}
      onClick={handleClick}
    >
      {pending ? (
        <>
          <span className="spinner" aria-hidden="true" />
          {pendingText}
        </>
      ) : (
        children
      )}
    </button>
  );
}

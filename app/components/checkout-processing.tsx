import { useLocation, useRevalidator } from "@remix-run/react";
import { useEffect, useState } from "react";

/** How often and how long a return from Checkout waits for the payment to be confirmed. */
export const CHECKOUT_POLL_SECONDS = 2;
export const CHECKOUT_POLL_ATTEMPTS = 15;

/** The `wait` counter a no-JavaScript refresh carries (0 on arrival). */
export function waitAttempt(url: URL) {
  const n = Number(url.searchParams.get("wait") ?? 0);
  return Number.isSafeInteger(n) && n >= 0 ? Math.min(n, CHECKOUT_POLL_ATTEMPTS) : 0;
}

/**
 * "Confirming your payment…" after a return from Checkout, resolving by itself: the loader settles
 * the payment on every visit, so each re-run may find it done (then it redirects into what was
 * bought). Without JavaScript a `<meta http-equiv="refresh">` inside `<noscript>` reloads every
 * 2 s (the `wait` parameter counts the visits); with JavaScript the loader is revalidated on the
 * same rhythm. After about 30 s both stop and say the confirmation will come by email.
 */
export function CheckoutProcessing({ attempt, what }: { attempt: number; what: string }) {
  const location = useLocation();
  const revalidator = useRevalidator();
  const [polls, setPolls] = useState(0);
  const gaveUp = attempt >= CHECKOUT_POLL_ATTEMPTS || polls >= CHECKOUT_POLL_ATTEMPTS;
  useEffect(() => {
    if (gaveUp) return;
    const timer = setTimeout(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
      setPolls((n) => n + 1);
    }, CHECKOUT_POLL_SECONDS * 1000);
    return () => clearTimeout(timer);
  }, [polls, gaveUp, revalidator]);
  const next = new URLSearchParams(location.search);
  next.set("wait", String(attempt + 1));
  if (gaveUp) {
    return (
      <p className="alert" role="status" data-testid="checkout-processing" data-state="slow">
        Your payment is still being confirmed. You can leave this page: we'll email you as soon as {what} is ready, and it will be here when you come back.
      </p>
    );
  }
  return (
    <div className="alert checkout-processing" role="status" data-testid="checkout-processing" data-state="waiting">
      <noscript>
        <meta httpEquiv="refresh" content={`${CHECKOUT_POLL_SECONDS};url=${location.pathname}?${next}`} />
      </noscript>
      <span className="spinner" aria-hidden="true" /> Payment received — confirming it with your bank. {what[0]!.toUpperCase() + what.slice(1)} will open here in a moment.
    </div>
  );
}

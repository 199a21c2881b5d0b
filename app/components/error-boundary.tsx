import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";

const MESSAGES: Record<number, { title: string; body: string }> = {
  400: { title: "That request didn't look right", body: "Check what you entered and try again." },
  401: { title: "Please sign in", body: "You need to be signed in to see this page." },
  403: { title: "Not allowed", body: "Your account does not have access to this page." },
  404: { title: "Page not found", body: "We couldn't find what you were looking for." },
  405: { title: "Not supported", body: "This page does not accept that kind of request." },
  413: { title: "Too much at once", body: "What you sent is larger than this page accepts." },
  415: { title: "That request didn't look right", body: "This page only accepts its own form. Go back and submit it again." },
  429: { title: "Slow down", body: "Too many requests. Please wait a moment and try again." },
};

function statusOf(error: unknown) {
  return isRouteErrorResponse(error) ? error.status : 500;
}

/** The document title of an error page, e.g. "Page not found (404) · Coursemint". */
export function errorTitle(error: unknown) {
  const status = statusOf(error);
  const known = MESSAGES[status] ?? { title: "Something went wrong" };
  return `${known.title} (${status}) · Coursemint`;
}

/** Route `meta` for a route whose ErrorBoundary is GeneralErrorBoundary (and for the root). */
export const errorMeta = ({ error }: { error?: unknown }) => [{ title: error ? errorTitle(error) : "Coursemint" }];

/**
 * One boundary for every route. Thrown Responses carry our JSON error body, whose `message` is
 * safe to show; anything else is an unexpected error and shows a generic message only.
 */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  let status = 500;
  let message: string | undefined;
  if (isRouteErrorResponse(error)) {
    status = error.status;
    const data = error.data as { error?: { message?: string } } | undefined;
    message = typeof data === "object" ? data?.error?.message : undefined;
  }
  const known = MESSAGES[status] ?? { title: "Something went wrong", body: "An unexpected error occurred. Please try again." };
  // A message that only repeats the heading ("Page not found." under "Page not found") says nothing.
  const same = (a: string, b: string) => a.toLowerCase().replace(/[^a-z]/g, "") === b.toLowerCase().replace(/[^a-z]/g, "");
  if (message && same(message, known.title)) message = undefined;
  return (
    <section className="error-page" aria-labelledby="error-title">
      <p className="error-status">{status}</p>
      <h1 id="error-title">{known.title}</h1>
      <p>{message ?? known.body}</p>
      <p>
        <Link to="/">Back to the home page</Link>
      </p>
    </section>
  );
}

import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { requireMailboxAccess, getOutboxEmail } from "~/modules/email/email.server";

/**
 * The raw HTML body, served with a CSP that allows no scripts and no loads from elsewhere, so an
 * email can never run code in the app's origin. Links still work.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireMailboxAccess(app, request);
  const email = await getOutboxEmail(app, params.emailId ?? "");
  if (!email) throw new Response("Not Found", { status: 404 });
  return new Response(email.html, {
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation",
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store",
    },
  });
}

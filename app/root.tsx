import "~/utils/zod-config"; // first: before any schema is created (CSP, see the file)
import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from "@remix-run/react";
import { CsrfInput } from "~/components/forms";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { getUser, toPublicUser } from "~/modules/auth/auth.server";
import { hasPermission } from "~/modules/auth/permissions";
import { navBalance } from "~/modules/tokens/ledger.server";
import { brandingForSession } from "~/modules/licensing/branding.server";
import { publicConfig } from "~/utils/env.server";
import { useNonce } from "~/utils/nonce";
import stylesUrl from "~/styles/app.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: stylesUrl }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  // One sequential D1 round trip: the session (shared with the route's loader) beside the
  // white-label lookup made from the same cookie (issue 16).
  const [user, brand] = await Promise.all([getUser(app, request), brandingForSession(app, request)]);
  const tokens = user && hasPermission(user, "read:tokens:own") ? await navBalance(app, user.id) : null;
  return {
    user: user ? toPublicUser(user) : null,
    tokens,
    // White-label: members of an organization whose license includes it see its branding.
    brand: user?.via === "session" ? brand : null,
    csrfToken: app.csrfToken,
    config: publicConfig(app.config),
  };
}

export function useRootData() {
  return useRouteLoaderData<typeof loader>("root");
}

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRootData();
  const nonce = useNonce();
  const user = data?.user;
  const brand = data?.brand;
  const brandStyle = brand?.primaryColor ? ({ "--mint": brand.primaryColor, "--mint-dark": brand.primaryColor } as React.CSSProperties) : undefined;
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body style={brandStyle}>
        <header className="site-header">
          <Link to="/" className="brand" data-testid="brand">
            {brand?.logoUrl ? <img src={brand.logoUrl} alt="" /> : null}
            {brand?.name ?? "Coursemint"}
          </Link>
          <nav aria-label="Main">
            {data?.config.APP_ENV && data.config.APP_ENV !== "production" ? <Link to="/dev/mailbox">Mailbox</Link> : null}
            <Link to="/courses">Courses</Link>
            <Link to="/pricing">Pricing</Link>
            {user ? (
              <>
                {hasPermission(user, "read:earnings:own") ? <Link to="/instructor">Teach</Link> : null}
                {hasPermission(user, "read:metrics:any") ? <Link to="/admin">Admin</Link> : null}
                {hasPermission(user, "read:email:any") ? <Link to="/admin/emails">Emails</Link> : null}
                {hasPermission(user, "read:payment:any") ? <Link to="/admin/payments">Payments</Link> : null}
                {hasPermission(user, "read:subscription:own") ? <Link to="/account/billing">Billing</Link> : null}
                {hasPermission(user, "read:leaderboard:any") ? <Link to="/leaderboard">Leaderboard</Link> : null}
                {data?.tokens != null ? (
                  <Link to="/wallet" className="nav-tokens" data-testid="nav-tokens" aria-label={`Tokens: ${data.tokens.toLocaleString("en-US")}`}>
                    {data.tokens.toLocaleString("en-US")} tokens
                  </Link>
                ) : null}
                {hasPermission(user, "read:organization:own") && (user.role === "enterprise" || brand) ? <Link to="/enterprise">Enterprise</Link> : null}
                {hasPermission(user, "update:license:any") ? <Link to="/admin/licenses">Licenses</Link> : null}
                <Link to="/account">{user.name}</Link>
                <Form method="post" action="/logout" className="inline">
                  <CsrfInput />
                  <button type="submit" className="link-button">
                    Log out
                  </button>
                </Form>
              </>
            ) : (
              <>
                <Link to="/login">Log in</Link>
                <Link to="/signup" className="button small">
                  Sign up
                </Link>
              </>
            )}
          </nav>
        </header>
        <main className="container">{children}</main>
        <footer className="site-footer">
          {brand ? `${brand.name} · powered by ` : ""}Coursemint {data?.config.APP_VERSION ?? ""} · <a href="/api/health">Status</a> · <a href="/docs/api">API reference</a>
          {brand?.supportEmail ? (
            <>
              {" "}
              · Support: <a href={`mailto:${brand.supportEmail}`}>{brand.supportEmail}</a>
            </>
          ) : null}
        </footer>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

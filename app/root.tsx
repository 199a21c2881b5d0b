import "~/utils/zod-config"; // first: before any schema is created (CSP, see the file)
import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, Links, Meta, Outlet, Scripts, ScrollRestoration, useLocation, useRouteLoaderData } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { CsrfInput } from "~/components/forms";
import { errorMeta, GeneralErrorBoundary } from "~/components/error-boundary";
import { getUser, toPublicUser } from "~/modules/auth/auth.server";
import { hasPermission } from "~/modules/auth/permissions";
import { navBalance } from "~/modules/tokens/ledger.server";
import { headerForSession } from "~/modules/licensing/branding.server";
import { publicConfig } from "~/utils/env.server";
import { useNonce } from "~/utils/nonce";
import { TIME_ZONE_SCRIPT, useFormat, useViewer } from "~/utils/format";
import stylesUrl from "~/styles/app.css?url";

/** Error pages caught here (403, 404, 500 …) get a title naming the error; other routes set their own. */
export const meta = errorMeta;

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesUrl },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  // One sequential D1 round trip: the session (shared with the route's loader) beside the
  // white-label lookup made from the same cookie (issue 16).
  const [user, { brand, managesOrganization }] = await Promise.all([getUser(app, request), headerForSession(app, request)]);
  const tokens = user && hasPermission(user, "read:tokens:own") ? await navBalance(app, user.id) : null;
  return {
    user: user ? toPublicUser(user) : null,
    tokens,
    // White-label: members of an organization whose license includes it see its branding.
    brand: user?.via === "session" ? brand : null,
    // The header's "Enterprise" link: organization owners and admins (self-serve buyers included).
    managesOrganization: user?.via === "session" && managesOrganization,
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
  const viewer = useViewer();
  const user = data?.user;
  const brand = data?.brand;
  const f = useFormat();
  // The mobile menu is a <details>: close it after a client-side navigation (without JavaScript
  // every navigation is a new page, so it starts closed anyway).
  const menu = useRef<HTMLDetailsElement>(null);
  const location = useLocation();
  useEffect(() => {
    if (menu.current) menu.current.open = false;
    menu.current?.querySelectorAll("details").forEach((group) => (group.open = false));
  }, [location.pathname, location.search]);
  return (
    <html lang="en" data-locale={viewer.locale} data-time-zone={viewer.timeZone} data-time-zone-known={String(viewer.timeZoneKnown)}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* Tells the server the browser's time zone (a cookie) so dates can be shown in it. */}
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: TIME_ZONE_SCRIPT }} />
        <Meta />
        <Links />
        {/* White-label colours: a same-origin stylesheet per organization (the CSP allows no inline styles). */}
        {brand?.themeUrl ? <link rel="stylesheet" href={brand.themeUrl} data-testid="brand-theme" /> : null}
      </head>
      <body className={brand ? "branded" : undefined}>
        <a className="skip-link" href="#main">
          Skip to main content
        </a>
        <header className="site-header">
          <Link to="/" className="brand" data-testid="brand">
            {brand?.logoUrl ? <img src={brand.logoUrl} alt="" /> : null}
            <span className="brand-name">{brand?.name ?? "Coursemint"}</span>
          </Link>
          <details className="menu" ref={menu}>
            <summary>Menu</summary>
            <nav aria-label="Main">
              <Link to="/courses">Courses</Link>
              <Link to="/pricing">Pricing</Link>
              {user ? (
                <>
                  <Link to="/learning">My learning</Link>
                  <Link to="/certificates">Certificates</Link>
                  {hasPermission(user, "read:earnings:own") ? <Link to="/instructor">Teach</Link> : null}
                  <AdminLinks user={user} />
                  {hasPermission(user, "read:subscription:own") ? <Link to="/account/billing">Billing</Link> : null}
                  {hasPermission(user, "read:leaderboard:any") ? <Link to="/leaderboard">Leaderboard</Link> : null}
                  {data?.tokens != null ? (
                    <Link to="/wallet" className="nav-tokens" data-testid="nav-tokens" aria-label={`Tokens: ${f.number(data.tokens)}`}>
                      {f.plural(data.tokens, "token")}
                    </Link>
                  ) : null}
                  {hasPermission(user, "read:organization:own") && (user.role === "enterprise" || data?.managesOrganization || brand) ? <Link to="/enterprise">Enterprise</Link> : null}
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
          </details>
        </header>
        <main id="main" tabIndex={-1} className="container">
          {children}
        </main>
        <footer className="site-footer">
          {brand ? `${brand.name} · powered by ` : ""}Coursemint {data?.config.APP_VERSION ?? ""} · <Link to="/status">Status</Link> · <a href="/docs/api">API reference</a>
          {data?.config.APP_ENV && data.config.APP_ENV !== "production" ? (
            <>
              {" "}
              · <Link to="/dev/mailbox">Development mailbox</Link>
            </>
          ) : null}
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

/** The admin area's pages (each behind its own permission), one "Admin" group in the header so it stays one row. */
const ADMIN_LINKS = [
  { to: "/admin", label: "Overview", permission: "read:metrics:any" },
  { to: "/admin/users", label: "Users", permission: "read:user:any" },
  { to: "/admin/payments", label: "Payments", permission: "read:payment:any" },
  { to: "/admin/disputes", label: "Disputes", permission: "read:dispute:any" },
  { to: "/admin/refund-requests", label: "Refund requests", permission: "read:payment:any" },
  { to: "/admin/coupons", label: "Promotion codes", permission: "create:coupon:any" },
  { to: "/admin/emails", label: "Emails", permission: "read:email:any" },
  { to: "/admin/licenses", label: "Licenses", permission: "update:license:any" },
  { to: "/admin/tokens", label: "Tokens", permission: "read:tokens:any" },
  { to: "/admin/audit", label: "Audit log", permission: "read:audit-log:any" },
  { to: "/admin/archive", label: "Archive", permission: "read:audit-log:any" },
] as const;

function AdminLinks({ user }: { user: Parameters<typeof hasPermission>[0] }) {
  const links = ADMIN_LINKS.filter((l) => hasPermission(user, l.permission));
  if (!links.length) return null;
  return (
    <details className="nav-group" data-testid="admin-nav">
      <summary>Admin</summary>
      {/* Choosing a page closes the group, also when it is the page already shown (no navigation then). */}
      <div className="nav-group-links" onClick={(e) => ((e.currentTarget.parentElement as HTMLDetailsElement).open = false)}>
        {links.map((l) => (
          <Link key={l.to} to={l.to}>
            {l.label}
          </Link>
        ))}
      </div>
    </details>
  );
}

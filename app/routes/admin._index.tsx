import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { formatWhen, Money } from "~/components/money";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { collectMetrics, recentPayouts } from "~/modules/observability/metrics.server";

export const meta: MetaFunction = () => [{ title: "Admin · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:metrics:any");
  const [metrics, payouts] = await Promise.all([collectMetrics(app), recentPayouts(app)]);
  return { ...metrics, payouts };
}

function Counts({ title, counts, link }: { title: string; counts: Record<string, number>; link?: { to: string; label: string } }) {
  const entries = Object.entries(counts);
  return (
    <article className="card">
      <h2>{title}</h2>
      {entries.length ? (
        <dl className="facts">
          {entries.map(([key, n]) => (
            <div key={key} style={{ display: "contents" }}>
              <dt>{key.replaceAll("_", " ")}</dt>
              <dd data-testid={`${title}-${key}`}>{n}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="muted">None yet.</p>
      )}
      {link ? <Link to={link.to}>{link.label}</Link> : null}
    </article>
  );
}

export default function AdminOverview() {
  const m = useLoaderData<typeof loader>();
  const waitingMin = m.webhooks.oldestOpenAgeMs === null ? null : Math.round(m.webhooks.oldestOpenAgeMs / 60_000);
  return (
    <section className="stack">
      <h1>Admin</h1>
      <p className="muted">
        As of {formatWhen(m.generatedAt)}. Also as JSON at <code>/api/metrics</code>.{" "}
        <Link to="/admin/users">Users</Link> · <Link to="/admin/payments">Payments</Link> · <Link to="/admin/emails">Emails</Link> ·{" "}
        <Link to="/admin/audit">Audit log</Link>
      </p>
      {waitingMin !== null && waitingMin >= 5 ? (
        <p className="alert error" role="alert">
          {`The oldest unprocessed Stripe event has waited ${waitingMin} minutes. Check failed events on the payments page.`}
        </p>
      ) : null}
      <div className="cards">
        <article className="card">
          <h2>Last 24 hours</h2>
          <ul>
            {m.payments.succeededInWindow.map((s) => (
              <li key={`paid-${s.currency}`}>
                {s.n} paid, <Money amount={s.amount} currency={s.currency} />
              </li>
            ))}
            {m.payments.refundedInWindow.map((s) => (
              <li key={`ref-${s.currency}`}>
                {s.n} refunds, <Money amount={s.amount} currency={s.currency} />
              </li>
            ))}
            <li>{m.marketplace.enrollmentsInWindow} enrollments</li>
          </ul>
        </article>
        <Counts title="Payments" counts={m.payments.byStatus} link={{ to: "/admin/payments", label: "Find a payment" }} />
        <Counts title="Webhook events" counts={m.webhooks.byStatus} link={{ to: "/admin/payments", label: "Failed events" }} />
        <Counts title="Emails" counts={m.emails.byStatus} link={{ to: "/admin/emails", label: "Email deliveries" }} />
        <Counts title="Subscriptions" counts={m.subscriptions.byTierAndStatus} />
        <Counts title="Courses" counts={m.marketplace.coursesByStatus} />
        <Counts title="Payouts" counts={m.marketplace.payoutsByStatus} />
        <Counts
          title="Reward tokens"
          counts={{
            "awarded (all time)": m.tokens.awarded,
            "awarded (24 hours)": m.tokens.awardedInWindow,
            "redeemed (all time)": m.tokens.redeemed,
            "outstanding (liability)": m.tokens.outstanding,
            "held for purchases": m.tokens.held,
            wallets: m.tokens.wallets,
          }}
          link={{ to: "/admin/tokens", label: "Award or adjust tokens" }}
        />
      </div>
      <h2>Recent instructor payouts</h2>
      {m.payouts.length === 0 ? (
        <p className="muted">No payouts yet. The payout job runs every 15 minutes for earnings past their 30-day hold.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Created</th>
              <th>Instructor</th>
              <th>Amount</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Paid</th>
              <th>Problem</th>
            </tr>
          </thead>
          <tbody>
            {m.payouts.map((p) => (
              <tr key={p.id}>
                <td>{formatWhen(p.createdAt)}</td>
                <td>{p.email}</td>
                <td>
                  <Money amount={p.amount} currency={p.currency} />
                </td>
                <td>{p.status}</td>
                <td>{p.attempts}</td>
                <td>{formatWhen(p.paidAt)}</td>
                <td>{p.failureMessage ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

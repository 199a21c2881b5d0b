import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { HistoryTable } from "~/components/history";
import { Money } from "~/components/money";
import { humanize, statusLabel, StatusBadge, type StatusKind } from "~/components/status";
import { When } from "~/components/when";
import { useFormat } from "~/utils/format";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { collectMetrics, recentPayouts } from "~/modules/observability/metrics.server";
import { disputeRate } from "~/modules/payments/dispute-evidence.server";

export const meta: MetaFunction = () => [{ title: "Admin · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:metrics:any");
  const [metrics, payouts, disputes] = await Promise.all([collectMetrics(app), recentPayouts(app), disputeRate(app)]);
  return { ...metrics, payouts, disputes };
}

/** "pro:active" → "Pro · Active"; a plain status → its label for `kind`. */
function countLabel(key: string, kind?: StatusKind) {
  if (!kind) {
    const words = humanize(key);
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
  const [first, second] = key.split(":");
  return second ? `${humanize(first)} · ${statusLabel(kind, second)}` : statusLabel(kind, first!);
}

function Counts({ title, counts, link, kind }: { title: string; counts: Record<string, number>; link?: { to: string; label: string }; kind?: StatusKind }) {
  const entries = Object.entries(counts);
  const f = useFormat();
  return (
    <article className="card">
      <h2>{title}</h2>
      {entries.length ? (
        <dl className="facts counts">
          {entries.map(([key, n]) => (
            <div key={key} className="contents">
              <dt>{countLabel(key, kind)}</dt>
              <dd data-testid={`${title}-${key}`}>{f.number(n)}</dd>
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
  const f = useFormat();
  const waitingMin = m.webhooks.oldestOpenAgeMs === null ? null : Math.round(m.webhooks.oldestOpenAgeMs / 60_000);
  return (
    <section className="stack">
      <h1>Admin</h1>
      <p className="muted">
        As of <When ms={m.generatedAt} as="dateTime" />. Also as JSON at <code>/api/metrics</code>.{" "}
        <Link to="/admin/users">Users</Link> · <Link to="/admin/payments">Payments</Link> · <Link to="/admin/disputes">Disputes</Link> ·{" "}
        <Link to="/admin/refund-requests">Refund requests</Link> · <Link to="/admin/emails">Emails</Link> · <Link to="/admin/tax">Tax report</Link> ·{" "}
        <Link to="/admin/revenue">Revenue</Link> · <Link to="/admin/audit">Audit log</Link>
      </p>
      {waitingMin !== null && waitingMin >= 5 ? (
        <p className="alert error" role="alert">
          {`The oldest unprocessed Stripe event has waited ${f.plural(waitingMin, "minute")}. Check failed events on the payments page.`}
        </p>
      ) : null}
      <div className="cards">
        <article className="card" data-testid="dispute-rate-card">
          <h2>Disputes, last {m.disputes.windowDays} days</h2>
          <p className="big-number">{`${(m.disputes.bps / 100).toFixed(2)} %`}</p>
          <p>
            {f.plural(m.disputes.disputes, "dispute")} of {f.plural(m.disputes.charges, "charge")}
            {m.disputes.fees.map((fee) => (
              <span key={fee.currency}>
                {" "}
                · fees <Money amount={fee.amount} currency={fee.currency} />
              </span>
            ))}
          </p>
          {m.disputes.level !== "ok" ? (
            <p className="alert error" role="alert">
              {m.disputes.level === "monitoring" ? "At or above 0.9 %: card networks start monitoring merchants at this rate." : "Close to the 0.9 % at which card networks start monitoring merchants."}
            </p>
          ) : null}
          <Link to="/admin/disputes">All disputes</Link>
        </article>
        <article className="card">
          <h2>Last 24 hours</h2>
          <ul>
            {m.payments.succeededInWindow.map((s) => (
              <li key={`paid-${s.currency}`}>
                {f.plural(s.n, "payment")}, <Money amount={s.amount} currency={s.currency} />
              </li>
            ))}
            {m.payments.refundedInWindow.map((s) => (
              <li key={`ref-${s.currency}`}>
                {f.plural(s.n, "refund")}, <Money amount={s.amount} currency={s.currency} />
              </li>
            ))}
            <li>{f.plural(m.marketplace.enrollmentsInWindow, "enrollment")}</li>
          </ul>
        </article>
        <Counts title="Payments" kind="payment" counts={m.payments.byStatus} link={{ to: "/admin/payments", label: "Find a payment" }} />
        <Counts title="Webhook events" kind="webhook" counts={m.webhooks.byStatus} link={{ to: "/admin/payments", label: "Failed events" }} />
        <Counts title="Emails" kind="email" counts={m.emails.byStatus} link={{ to: "/admin/emails", label: "Email deliveries" }} />
        <Counts title="Subscriptions" kind="subscription" counts={m.subscriptions.byTierAndStatus} />
        <Counts title="Courses" kind="course" counts={m.marketplace.coursesByStatus} />
        <Counts title="Payouts" kind="payout" counts={m.marketplace.payoutsByStatus} />
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
        <HistoryTable
          rows={m.payouts}
          rowKey={(p) => p.id}
          caption="Recent instructor payouts"
          columns={[
            { label: "Created", cell: (p) => <When ms={p.createdAt} /> },
            { label: "Instructor", cell: (p) => p.email },
            { label: "Amount", className: "num", cell: (p) => <Money amount={p.amount} currency={p.currency} /> },
            { label: "Status", cell: (p) => <StatusBadge kind="payout" status={p.status} /> },
            { label: "Attempts", className: "num", cell: (p) => f.number(p.attempts) },
            { label: "Paid", cell: (p) => <When ms={p.paidAt} empty="Not yet" /> },
            { label: "Problem", cell: (p) => p.failureMessage ?? "None" },
          ]}
        />
      )}
    </section>
  );
}

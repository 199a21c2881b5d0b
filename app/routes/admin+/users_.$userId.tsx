import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { HistoryTable } from "~/components/history";
import { Money } from "~/components/money";
import { humanize, roleLabel, StatusBadge } from "~/components/status";
import { When } from "~/components/when";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { errorResponse, toAppError } from "~/utils/errors";
import { useFormat } from "~/utils/format";
import { loadUserDetail, USER_DETAIL_LIMIT } from "./user-detail.server";


export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.user.name ?? "User"} · Admin · Coursemint` }];

/** One person as an admin sees them: sign-up, purchases, refunds, disputes, subscriptions, tokens, licences. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:user:any");
  try {
    return { ...(await loadUserDetail(app, params.userId ?? "")), limit: USER_DETAIL_LIMIT };
  } catch (error) {
    throw errorResponse(toAppError(error), app.requestId);
  }
}

function Section({ title, count, limit, children, empty }: { title: string; count: number; limit: number; children: React.ReactNode; empty: string }) {
  return (
    <section className="stack" aria-labelledby={`h-${title}`}>
      <h2 id={`h-${title}`}>{title}</h2>
      {count === 0 ? <p className="muted">{empty}</p> : children}
      {count >= limit ? <p className="muted">The {limit} newest are shown.</p> : null}
    </section>
  );
}

export default function AdminUserDetail() {
  const d = useLoaderData<typeof loader>();
  const f = useFormat();
  const paymentLink = (id: string, text: string) => <Link to={`/admin/payments?q=${encodeURIComponent(id)}`}>{text}</Link>;
  return (
    <section className="stack-lg">
      <div className="stack">
        <p>
          <Link to="/admin/users">← Users</Link>
        </p>
        <h1 data-testid="user-name">{d.user.name}</h1>
        <dl className="facts">
          <dt>Email</dt>
          <dd>{d.user.email}</dd>
          <dt>Role</dt>
          <dd>{roleLabel(d.user.role)}</dd>
          <dt>Signed up</dt>
          <dd>
            <When ms={d.user.createdAt} as="dateTime" />
          </dd>
          <dt>Reward tokens</dt>
          <dd data-testid="user-tokens">{d.wallet ? `${f.plural(d.wallet.balance, "token")}${d.wallet.held ? ` (${f.plural(d.wallet.held, "token")} on hold)` : ""}` : "None yet"}</dd>
          <dt>User id</dt>
          <dd>
            <code>{d.user.id}</code>
          </dd>
        </dl>
        <p>
          <Link to={`/admin/audit?actorId=${d.user.id}`}>What {d.user.name} did</Link> · <Link to={`/admin/audit?targetId=${d.user.id}`}>What was done to this account</Link>
        </p>
      </div>

      <Section limit={d.limit} title="Purchases" count={d.payments.length} empty="No purchases yet.">
        <HistoryTable
          rows={d.payments}
          rowKey={(p) => p.id}
          caption="Purchases"
          testId="user-payments"
          columns={[
            { label: "Date", cell: (p) => <When ms={p.createdAt} /> },
            { label: "For", cell: (p) => paymentLink(p.id, p.description) },
            { label: "Amount", cell: (p) => <Money amount={p.amount} currency={p.currency} /> },
            { label: "Refunded", cell: (p) => (p.amountRefunded ? <Money amount={p.amountRefunded} currency={p.currency} /> : "—") },
            { label: "Status", cell: (p) => <StatusBadge kind="payment" status={p.status} /> },
          ]}
        />
      </Section>

      <Section limit={d.limit} title="Refunds" count={d.refunds.length} empty="No refunds.">
        <HistoryTable
          rows={d.refunds}
          rowKey={(r) => r.id}
          caption="Refunds"
          columns={[
            { label: "Date", cell: (r) => <When ms={r.createdAt} /> },
            { label: "Of", cell: (r) => paymentLink(r.paymentId, r.description) },
            { label: "Amount", cell: (r) => <Money amount={r.amount} currency={r.currency} /> },
            { label: "Reason", cell: (r) => humanize(r.reason) },
            { label: "Status", cell: (r) => <StatusBadge kind="refund" status={r.status} /> },
          ]}
        />
      </Section>

      <Section limit={d.limit} title="Disputes" count={d.disputes.length} empty="No disputes.">
        <HistoryTable
          rows={d.disputes}
          rowKey={(x) => x.id}
          caption="Disputes"
          columns={[
            { label: "Opened", cell: (x) => <When ms={x.createdAt} /> },
            { label: "Of", cell: (x) => paymentLink(x.paymentId, x.description) },
            { label: "Amount", cell: (x) => <Money amount={x.amount} currency={x.currency} /> },
            { label: "Reason", cell: (x) => humanize(x.reason) },
            { label: "Status", cell: (x) => humanize(x.status) },
          ]}
        />
      </Section>

      <Section limit={d.limit} title="Subscriptions" count={d.subscriptions.length} empty="No subscriptions.">
        <HistoryTable
          rows={d.subscriptions}
          rowKey={(s) => s.id}
          caption="Subscriptions"
          columns={[
            { label: "Started", cell: (s) => <When ms={s.createdAt} /> },
            { label: "Plan", cell: (s) => `${humanize(s.tier)}, ${s.interval === "year" ? "yearly" : "monthly"}` },
            { label: "Price", cell: (s) => <Money amount={s.amount} currency={s.currency} /> },
            { label: "Renews or ends", cell: (s) => <When ms={s.currentPeriodEnd} /> },
            { label: "Status", cell: (s) => <StatusBadge kind="subscription" status={s.status} /> },
          ]}
        />
      </Section>

      <Section limit={d.limit} title="Organizations and licences" count={d.organizations.length + d.licenses.length} empty="Not a member of any organization.">
        {d.organizations.length ? (
          <ul>
            {d.organizations.map((o) => (
              <li key={o.id}>
                {o.name} ({humanize(o.role).toLowerCase()})
              </li>
            ))}
          </ul>
        ) : null}
        {d.licenses.length ? (
          <HistoryTable
            rows={d.licenses}
            rowKey={(l) => l.id}
            caption="Licences"
            columns={[
              { label: "Organization", cell: (l) => l.organization },
              { label: "Tier", cell: (l) => humanize(l.tier) },
              { label: "Seats", cell: (l) => f.number(l.maxSeats) },
              { label: "Expires", cell: (l) => <When ms={l.expiresAt} /> },
              { label: "Status", cell: (l) => <StatusBadge kind="license" status={l.status} /> },
            ]}
          />
        ) : (
          <EmptyState title="No licences" />
        )}
      </Section>
    </section>
  );
}

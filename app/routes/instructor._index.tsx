import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirectDocument } from "@remix-run/cloudflare";
import { EmptyState } from "~/components/empty-state";
import { HistoryTable } from "~/components/history";
import { StatusBadge } from "~/components/status";
import { When } from "~/components/when";
import { useFormat } from "~/utils/format";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { CsrfInput, FormError } from "~/components/forms";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { listInstructorCourses } from "~/modules/marketplace/courses.server";
import { earningsSummary } from "~/modules/marketplace/earnings.server";
import { getPayoutAccount, refreshPayoutAccount, startPayoutOnboarding } from "~/modules/marketplace/payouts.server";
import { formError, readForm, type FormResult } from "~/utils/forms.server";
import { formatMoney, type Currency } from "~/utils/money";

export const meta: MetaFunction = () => [{ title: "Instructor dashboard · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "read:earnings:own");
  let account = await getPayoutAccount(app, user.id);
  if (account && !account.payoutsEnabled && new URL(request.url).searchParams.get("payouts") === "done") {
    account = await refreshPayoutAccount(app, user.id).catch(() => account);
  }
  const [courses, earnings] = await Promise.all([listInstructorCourses(app, user.id), earningsSummary(app, user.id)]);
  return {
    courses: courses.map((c) => ({ id: c.id, slug: c.slug, title: c.title, status: c.status, enrollmentCount: c.enrollmentCount, priceAmount: c.priceAmount, currency: c.currency, rating: c.ratingAvg / 100, ratingCount: c.ratingCount })),
    earnings,
    payoutAccount: account ? { payoutsEnabled: account.payoutsEnabled } : null,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "update:payout-account:own");
  try {
    if (form.get("intent") === "connect-payouts") {
      const url = await startPayoutOnboarding(app, user, new URL(request.url).origin);
      return redirectDocument(url);
    }
    return data<FormResult>({ errors: { _form: ["Unknown action."] } }, { status: 400 });
  } catch (error) {
    return formError(app, error, {});
  }
}

const money = (amount: number, currency: string) => formatMoney(amount, currency as Currency);

/** Stacked bars per month (pending / available / paid), drawn as server-rendered SVG. */
function EarningsChart({ months }: { months: { month: string; currency: string; pending: number; available: number; paid: number }[] }) {
  if (!months.length) return <p className="muted">No earnings yet — they appear here after your first sale.</p>;
  const currency = months[0]!.currency;
  const rows = months.filter((m) => m.currency === currency).slice(-12);
  const maxTotal = Math.max(1, ...rows.map((m) => Math.max(0, m.pending) + Math.max(0, m.available) + Math.max(0, m.paid)));
  const width = 48;
  const height = 160;
  const bar = (v: number) => (Math.max(0, v) / maxTotal) * height;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${rows.length * width + 10} ${height + 30}`} role="img" aria-label={`Earnings per month in ${currency.toUpperCase()}`} width="100%" height={height + 30}>
        {rows.map((m, i) => {
          const paid = bar(m.paid);
          const available = bar(m.available);
          const pending = bar(m.pending);
          const x = 10 + i * width;
          return (
            <g key={m.month}>
              <title>{`${m.month}: pending ${money(m.pending, currency)}, available ${money(m.available, currency)}, paid ${money(m.paid, currency)}`}</title>
              <rect x={x} y={height - paid} width={width - 14} height={paid} className="bar-paid" />
              <rect x={x} y={height - paid - available} width={width - 14} height={available} className="bar-available" />
              <rect x={x} y={height - paid - available - pending} width={width - 14} height={pending} className="bar-pending" />
              <text x={x} y={height + 18} fontSize="11">
                {m.month.slice(2)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span className="legend bar-pending" /> pending <span className="legend bar-available" /> available <span className="legend bar-paid" /> paid ({currency.toUpperCase()})
      </figcaption>
    </figure>
  );
}

export default function InstructorDashboard() {
  const { courses, earnings, payoutAccount } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  const [params] = useSearchParams();
  const f = useFormat();
  const money = f.money;
  return (
    <div className="stack-lg">
      <section className="stack">
        <h1>Instructor dashboard</h1>
        <FormError errors={result?.errors} />
        {params.get("payouts") === "done" && payoutAccount?.payoutsEnabled ? (
          <p className="alert success" role="status">
            Payouts are set up. Available earnings are transferred automatically.
          </p>
        ) : null}
        <p>
          <Link className="button" to="/instructor/courses/new">
            Upload a new course
          </Link>
        </p>
      </section>

      <section aria-labelledby="earnings-title" className="stack">
        <h2 id="earnings-title">Earnings</h2>
        <p className="muted">You keep 70% of every sale. Earnings are held for the 30-day refund window, then paid out automatically.</p>
        <div className="cards" data-testid="earnings-totals">
          {(earnings.totals.length ? earnings.totals : [{ currency: "usd", pending: 0, available: 0, paid: 0 }]).map((t) => (
            <article key={t.currency} className="card">
              <p>
                Pending: <strong data-testid={`pending-${t.currency}`}>{money(t.pending, t.currency)}</strong>
              </p>
              <p>
                Available: <strong data-testid={`available-${t.currency}`}>{money(t.available, t.currency)}</strong>
              </p>
              <p>
                Paid: <strong data-testid={`paid-${t.currency}`}>{money(t.paid, t.currency)}</strong>
              </p>
            </article>
          ))}
        </div>
        <EarningsChart months={earnings.perMonth} />
        {earnings.perCourse.length ? (
          <HistoryTable
            rows={earnings.perCourse}
            rowKey={(c) => `${c.courseId}-${c.currency}`}
            caption="Earnings per course"
            columns={[
              { label: "Course", cell: (c) => c.title },
              { label: "Sales", className: "num", cell: (c) => f.number(c.sales) },
              { label: "Pending", className: "num", cell: (c) => money(c.pending, c.currency) },
              { label: "Available", className: "num", cell: (c) => money(c.available, c.currency) },
              { label: "Paid", className: "num", cell: (c) => money(c.paid, c.currency) },
            ]}
          />
        ) : null}
        {payoutAccount?.payoutsEnabled ? (
          <p className="muted">
            Payouts: <span className="badge tone-success">Connected</span>
          </p>
        ) : (
          <Form method="post">
            <CsrfInput />
            <button type="submit" name="intent" value="connect-payouts">
              {payoutAccount ? "Finish payout setup" : "Set up payouts"}
            </button>
          </Form>
        )}
        {earnings.payouts.length ? (
          <HistoryTable
            rows={earnings.payouts.filter((p) => p.amount > 0)}
            rowKey={(p) => p.id}
            caption="Payouts"
            columns={[
              { label: "Payout", cell: (p) => <code>{p.id}</code> },
              { label: "Amount", className: "num", cell: (p) => money(p.amount, p.currency) },
              { label: "Status", cell: (p) => <StatusBadge kind="payout" status={p.status} /> },
              { label: "Date", cell: (p) => <When ms={p.paidAt ?? p.createdAt} /> },
            ]}
          />
        ) : null}
      </section>

      <section aria-labelledby="courses-title">
        <h2 id="courses-title">Your courses</h2>
        {courses.length ? (
          <HistoryTable
            rows={courses}
            rowKey={(c) => c.id}
            caption="Your courses"
            columns={[
              { label: "Course", cell: (c) => <Link to={`/instructor/courses/${c.id}`}>{c.title}</Link> },
              { label: "Status", cell: (c) => <StatusBadge kind="course" status={c.status} /> },
              { label: "Price", className: "num", cell: (c) => (c.priceAmount === 0 ? "Free" : money(c.priceAmount, c.currency)) },
              { label: "Learners", className: "num", cell: (c) => f.number(c.enrollmentCount) },
              {
                label: "Rating",
                cell: (c) =>
                  c.ratingCount ? `★ ${f.number(c.rating, { minimumFractionDigits: 1, maximumFractionDigits: 1 })} (${f.plural(c.ratingCount, "review")})` : "No reviews yet",
              },
            ]}
          />
        ) : (
          <EmptyState title="No courses yet" action={<Link to="/instructor/courses/new">Upload your first course</Link>}>
            Upload modules, set a price and publish: learners find it in the catalog.
          </EmptyState>
        )}
      </section>
    </div>
  );
}

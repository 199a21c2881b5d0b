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
import { EarningsChart } from "~/components/earnings-chart";
import { now } from "~/utils/clock";

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
    // The chart's last 12 months end with the current one (one clock, so server and browser agree).
    now: now(),
    currency: earnings.totals[0]?.currency ?? context.app.config.STRIPE_CURRENCY,
    instructorId: user.id,
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

export default function InstructorDashboard() {
  const { courses, earnings, payoutAccount, now: nowMs, currency, instructorId } = useLoaderData<typeof loader>();
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
        <p>
          <Link to="/instructor/profile">Edit your profile (photo and bio)</Link> · <Link to="/instructor/bundles">Bundles</Link> · <Link to={`/instructors/${instructorId}`}>View your public profile</Link>
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
        {earnings.totals
          .filter((t) => t.available < 0)
          .map((t) => (
            <p key={`carried-${t.currency}`} className="alert info" data-testid={`carried-forward-${t.currency}`}>
              {`A balance of ${money(t.available, t.currency)} is carried forward: a disputed sale that was already paid out is recovered from your next earnings before anything more is paid out.`}
            </p>
          ))}
        {earnings.disputed.length ? (
          <HistoryTable
            rows={earnings.disputed}
            rowKey={(d) => d.paymentId}
            caption="Disputed sales"
            columns={[
              { label: "Course", cell: (d) => d.title },
              { label: "Disputed", cell: (d) => <When ms={d.at} as="date" /> },
              { label: "Your earning", className: "num", cell: (d) => money(d.amount, d.currency) },
              {
                label: "What happens",
                cell: (d) =>
                  d.state === "frozen" ? (
                    <span className="badge tone-warning">Frozen until the bank decides</span>
                  ) : d.state === "recovered" ? (
                    <span className="badge tone-danger">Recovered from your earnings</span>
                  ) : d.state === "lost" ? (
                    <span className="badge tone-danger">Reversed: the bank decided for the learner</span>
                  ) : (
                    <span className="badge tone-success">Given back (dispute won)</span>
                  ),
              },
            ]}
          />
        ) : null}
        <EarningsChart perMonth={earnings.perMonth} currency={currency} nowMs={nowMs} />
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

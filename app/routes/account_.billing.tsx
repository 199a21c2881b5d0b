import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { CsrfInput, FormStatus } from "~/components/forms";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { cancelSubscription, currentSubscription, listInvoices, resumeSubscription, subscriptionHistory } from "~/modules/subscriptions/lifecycle.server";
import { changeSubscription, type ChangePreview } from "~/modules/subscriptions/proration.server";
import { BILLING_INTERVALS, FEATURES, FEATURE_NAMES, PAID_TIERS, planLabel, TIERS, upgradeTierFor } from "~/modules/subscriptions/tiers";
import { parseOrThrow } from "~/utils/errors";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { formatMoney, type Currency } from "~/utils/money";

export const meta: MetaFunction = () => [{ title: "Billing · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "read:subscription:own");
  let invoicesUnavailable = false;
  const [current, history, invoices] = await Promise.all([
    currentSubscription(app, user.id),
    subscriptionHistory(app, user.id, 20),
    listInvoices(app, user.id).catch((error: unknown) => {
      app.logger.warn("billing.invoices_unavailable", { error });
      invoicesUnavailable = true;
      return [] as Awaited<ReturnType<typeof listInvoices>>;
    }),
  ]);
  return { current, history, invoices, invoicesUnavailable };
}

const planFields = { tier: z.enum(PAID_TIERS), interval: z.enum(BILLING_INTERVALS) };
const intentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("preview"), ...planFields }),
  z.object({ intent: z.literal("confirm"), ...planFields, prorationDate: z.coerce.number().int().positive() }),
  z.object({ intent: z.literal("cancel") }),
  z.object({ intent: z.literal("resume") }),
]);

type BillingResult = FormResult & { preview?: ChangePreview };

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "update:subscription:own");
  try {
    const input = parseOrThrow(intentSchema, Object.fromEntries(form));
    switch (input.intent) {
      case "preview": {
        const result = await changeSubscription(app, user, { tier: input.tier, interval: input.interval, preview: true });
        return data<BillingResult>({ preview: result.preview, values: keptValues(form) });
      }
      case "confirm": {
        const result = await changeSubscription(app, user, { tier: input.tier, interval: input.interval, prorationDate: input.prorationDate });
        const plan = planLabel(input.tier, input.interval);
        const ok =
          result.preview.effective === "period_end"
            ? result.preview.kind === "keep_current"
              ? "Your scheduled change was removed; your plan stays as it is."
              : `Your plan changes to ${plan} on ${day(result.preview.effectiveAt)}.`
            : `You're now on ${plan}. Charged ${formatMoney(result.charged?.amount ?? 0, result.preview.currency as Currency)}.`;
        return data<BillingResult>({ ok });
      }
      case "cancel": {
        const view = await cancelSubscription(app, user, {}, false);
        return data<BillingResult>({ ok: `Your subscription will end on ${day(view.currentPeriodEnd!)}. You keep access until then.` });
      }
      case "resume":
        await resumeSubscription(app, user);
        return data<BillingResult>({ ok: "Your subscription will renew as usual." });
    }
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export default function Billing() {
  const { current, history, invoices, invoicesUnavailable } = useLoaderData<typeof loader>();
  const result = useActionData<BillingResult>();
  const [params] = useSearchParams();
  const currency = current.currency as Currency;
  const paid = current.tier !== "free";
  const preview = result?.preview;
  return (
    <div className="stack-lg">
      <section className="stack">
        <h1>Billing</h1>
        {params.get("checkout") === "success" ? (
          <p className="alert success" role="status">
            Thank you! Your payment went through{paid ? "" : "; your plan will appear here in a moment"}.
          </p>
        ) : null}
        <FormStatus result={result} />
        <dl className="facts">
          <dt>Plan</dt>
          <dd data-testid="current-plan">{current.plan}</dd>
          {paid ? (
            <>
              <dt>Status</dt>
              <dd data-testid="plan-status">{current.status === "past_due" ? "Payment failed — we'll retry" : current.cancelAtPeriodEnd ? "Cancels at period end" : current.status}</dd>
              <dt>Price</dt>
              <dd>
                {formatMoney(current.amount, currency)} / {current.interval}
              </dd>
              <dt>{current.cancelAtPeriodEnd ? "Access ends" : "Renews on"}</dt>
              <dd data-testid="renewal-date">{day(current.currentPeriodEnd!)}</dd>
            </>
          ) : null}
          {current.pendingChange ? (
            <>
              <dt>Scheduled change</dt>
              <dd>
                {planLabel(current.pendingChange.tier, current.pendingChange.interval)} from {day(current.pendingChange.effectiveAt)}
              </dd>
            </>
          ) : null}
        </dl>
        {current.dunning ? (
          <p className="alert error">
            Your renewal payment failed ({current.dunning.attempts} attempt{current.dunning.attempts === 1 ? "" : "s"}).
            {current.dunning.nextAttemptAt ? ` We'll try again on ${day(current.dunning.nextAttemptAt)}.` : ""} Update your card to keep your plan.
          </p>
        ) : null}
        {!paid ? (
          <p>
            <Link className="button" to="/pricing">
              See plans and upgrade
            </Link>
          </p>
        ) : null}
      </section>

      <section aria-labelledby="features-title" className="stack">
        <h2 id="features-title">Your features</h2>
        <ul className="feature-list">
          {FEATURE_NAMES.map((feature) => {
            const unlocked = (current.features as readonly string[]).includes(feature);
            return (
              <li key={feature} className={unlocked ? "included" : "excluded"} data-testid={`feature-${feature}`} data-unlocked={unlocked}>
                {unlocked ? "✓" : "🔒"} {FEATURES[feature].label}
                {unlocked ? null : (
                  <>
                    {" "}
                    · <Link to={`/pricing?feature=${feature}`}>Upgrade to {TIERS[upgradeTierFor(feature)].name}</Link>
                  </>
                )}
              </li>
            );
          })}
        </ul>
      </section>

      {paid ? (
        <section aria-labelledby="change-title" className="stack">
          <h2 id="change-title">Change plan</h2>
          <Form method="post" className="inline-form">
            <CsrfInput />
            <div className="field">
              <label htmlFor="change-tier">Plan</label>
              <select id="change-tier" name="tier" defaultValue={result?.values?.tier ?? current.tier}>
                {PAID_TIERS.map((t) => (
                  <option key={t} value={t}>
                    {TIERS[t].name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="change-interval">Billing</label>
              <select id="change-interval" name="interval" defaultValue={result?.values?.interval ?? current.interval ?? "month"}>
                <option value="month">Monthly</option>
                <option value="year">Yearly</option>
              </select>
            </div>
            <button type="submit" name="intent" value="preview" className="secondary">
              Preview change
            </button>
          </Form>
          {preview ? (
            <div className="card" data-testid="proration-preview">
              <h3>
                {planLabel(preview.from.tier, preview.from.interval)} → {planLabel(preview.to.tier, preview.to.interval)}
              </h3>
              {preview.effective === "immediate" ? (
                <>
                  <table>
                    <tbody>
                      {preview.lines.map((line, i) => (
                        <tr key={i}>
                          <td>{line.description}</td>
                          <td className="num">{formatMoney(line.amount, preview.currency as Currency)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  <p>
                    Charged now: <strong data-testid="amount-due">{formatMoney(preview.amountDue, preview.currency as Currency)}</strong>
                    {preview.creditAfter > 0 ? ` · ${formatMoney(preview.creditAfter, preview.currency as Currency)} credit kept for future invoices` : ""}
                  </p>
                </>
              ) : (
                <p>Nothing is charged now. The change takes effect on {day(preview.effectiveAt)}.</p>
              )}
              <p className="muted">
                Then {formatMoney(preview.nextRenewal.amount, preview.currency as Currency)} on {day(preview.nextRenewal.at)}.
              </p>
              <Form method="post">
                <CsrfInput />
                <input type="hidden" name="tier" value={preview.to.tier} />
                <input type="hidden" name="interval" value={preview.to.interval} />
                <input type="hidden" name="prorationDate" value={preview.prorationDate} />
                <button type="submit" name="intent" value="confirm">
                  Confirm change
                </button>
              </Form>
            </div>
          ) : null}
        </section>
      ) : null}

      {paid ? (
        <section aria-labelledby="cancel-title" className="stack">
          <h2 id="cancel-title">{current.cancelAtPeriodEnd ? "Resume" : "Cancel"}</h2>
          <Form method="post">
            <CsrfInput />
            {current.cancelAtPeriodEnd ? (
              <button type="submit" name="intent" value="resume">
                Resume subscription
              </button>
            ) : (
              <>
                <p className="muted">You keep {current.tierName} until {day(current.currentPeriodEnd!)}; then you move to Free. You can resume before then.</p>
                <button type="submit" name="intent" value="cancel" className="danger">
                  Cancel subscription
                </button>
              </>
            )}
          </Form>
        </section>
      ) : null}

      <section aria-labelledby="invoices-title" className="stack">
        <h2 id="invoices-title">Invoices</h2>
        {invoicesUnavailable ? <p className="muted">Invoices are unavailable right now.</p> : null}
        {invoices.length ? (
          <table>
            <thead>
              <tr>
                <th>Date</th>
                <th>Number</th>
                <th>Reason</th>
                <th>Amount</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((i) => (
                <tr key={i.id}>
                  <td>{day(i.created)}</td>
                  <td>{i.url ? <a href={i.url}>{i.number ?? i.id}</a> : (i.number ?? i.id)}</td>
                  <td>{(i.billingReason ?? "").replace("subscription_", "").replace("_", " ")}</td>
                  <td className="num">{formatMoney(i.status === "paid" ? i.amountPaid : i.amountDue, i.currency as Currency)}</td>
                  <td>
                    <span className={`badge status-${i.status}`}>{i.status}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : invoicesUnavailable ? null : (
          <p className="muted">No invoices yet.</p>
        )}
        <p>
          <Link to="/account/payments">Payment history and receipts</Link>
        </p>
      </section>

      {history.length ? (
        <section aria-labelledby="history-title" className="stack">
          <h2 id="history-title">History</h2>
          <ul>
            {history.map((h) => (
              <li key={h.id}>
                {day(h.createdAt)} · {h.kind.replace(/_/g, " ")}
                {h.toTier ? ` · ${TIERS[h.toTier].name}` : ""}
                {h.amount ? ` · ${formatMoney(h.amount, (h.currency ?? "usd") as Currency)}` : ""}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

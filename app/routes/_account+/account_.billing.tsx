import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import * as z from "zod";
import { CheckoutProcessing, waitAttempt } from "~/components/checkout-processing";
import { ConfirmPanel, confirmStepOf } from "~/components/confirm";
import { CsrfInput, FormStatus } from "~/components/forms";
import { SubmitButton } from "~/components/submit-button";
import { askToConfirm, isConfirmed } from "~/utils/confirm.server";
import { setFlash, takeFlash } from "~/utils/flash.server";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import {
  cancelSubscription,
  currentSubscription,
  listInvoices,
  resumeSubscription,
  settleSubscriptionCheckoutReturn,
  subscriptionHistory,
} from "~/modules/subscriptions/lifecycle.server";
import { changeSubscription, type ChangePreview } from "~/modules/subscriptions/proration.server";
import { describeEnterpriseEnd, enterpriseEndImpact, RENEWAL_GRACE_MS } from "~/modules/licensing/subscription-sync.server";
import { BILLING_INTERVALS, FEATURES, FEATURE_NAMES, PAID_TIERS, planLabel, TIERS, upgradeTierFor } from "~/modules/subscriptions/tiers";
import { trialEndInWords } from "~/modules/subscriptions/trials";
import { AppError, parseOrThrow } from "~/utils/errors";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { formatMoney as formatMinorUnits, type Currency } from "~/utils/money";
import { formatDate, useFormat, viewerFromRequest } from "~/utils/format";
import { HistoryTable } from "~/components/history";
import { humanize, StatusBadge } from "~/components/status";
import { When } from "~/components/when";
import { Icon } from "~/components/icon";
import { branded } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [{ title: branded(matches, "Billing · Coursemint") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "read:subscription:own");
  const url = new URL(request.url);
  // Back from subscription Checkout: settle it now through the webhook's own path; once the plan
  // is active, go to the clean billing URL with a one-time thank-you (it never sticks to the
  // address that later forms post to). Until then a processing state re-runs this loader.
  let processing: { attempt: number } | null = null;
  if (url.searchParams.get("checkout") === "success") {
    const state = await settleSubscriptionCheckoutReturn(app, user.id);
    if (state === "active") throw redirect("/account/billing", { headers: { "Set-Cookie": setFlash(app, "subscription_paid", "/account/billing") } });
    if (state === "none") throw redirect("/account/billing");
    processing = { attempt: waitAttempt(url) };
  }
  const flash = takeFlash(app, request, "/account/billing");
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
  // An Enterprise owner is told, before cancelling or downgrading, what happens to the organization.
  const enterpriseEnd = current.tier === "enterprise" ? await enterpriseEndImpact(app, current.subscriptionId) : null;
  const viewer = viewerFromRequest(request);
  const enterpriseEndText = enterpriseEnd
    ? describeEnterpriseEnd(enterpriseEnd, current.currentPeriodEnd ? `when the subscription ends (${formatDate(current.currentPeriodEnd + RENEWAL_GRACE_MS, viewer)} at the latest)` : "when the subscription ends")
    : null;
  return data({ current, history, invoices, invoicesUnavailable, processing, justPaid: flash.notice === "subscription_paid", enterpriseEndText }, { headers: flash.headers });
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
              : `Your plan changes to ${plan} on ${formatDate(result.preview.effectiveAt, viewerFromRequest(request))}.`
            : `You're now on ${plan}. Charged ${formatMinorUnits(result.charged?.amount ?? 0, result.preview.currency as Currency, viewerFromRequest(request).locale)}.`;
        return data<BillingResult>({ ok });
      }
      case "cancel": {
        if (!isConfirmed(form)) {
          const current = await currentSubscription(app, user.id);
          if (current.tier === "free") throw new AppError("not_found", "There is no active subscription to cancel.");
          const viewer = viewerFromRequest(request);
          const impact = current.tier === "enterprise" ? await enterpriseEndImpact(app, current.subscriptionId) : null;
          const after = current.entitlement.organization ? `${TIERS[current.entitlement.organization.tier].name} through ${current.entitlement.organization.name}` : "Free";
          const base = current.currentPeriodEnd
            ? `You keep ${current.tierName} until ${formatDate(current.currentPeriodEnd, viewer)}; then you move to ${after} and are not charged again. You can resume before then.`
            : "Your plan will not renew. You can resume before it ends.";
          return askToConfirm(form, {
            title: `Cancel your ${current.plan} subscription?`,
            body: current.trial
              ? `Your free trial continues until ${formatDate(current.trial.endsAt, viewer)}; then you move to ${after}. Nothing is charged, now or then.`
              : impact
                ? `${base} ${describeEnterpriseEnd(impact, current.currentPeriodEnd ? `when the subscription ends (${formatDate(current.currentPeriodEnd + RENEWAL_GRACE_MS, viewer)} at the latest)` : "when the subscription ends")}`
                : base,
            confirmLabel: "Cancel subscription",
            pendingLabel: "Canceling…",
          });
        }
        const view = await cancelSubscription(app, user, {}, false);
        if (view.status === "trialing")
          return data<BillingResult>({ ok: `Your free trial will end on ${formatDate(view.currentPeriodEnd!, viewerFromRequest(request))} and nothing will be charged. You keep access until then.` });
        return data<BillingResult>({ ok: `Your subscription will end on ${formatDate(view.currentPeriodEnd!, viewerFromRequest(request))}. You keep access until then.` });
      }
      case "resume":
        await resumeSubscription(app, user);
        return data<BillingResult>({ ok: "Your subscription will renew as usual." });
    }
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

const CHANGE_LABELS: Record<string, string> = {
  created: "Subscribed",
  upgraded: "Upgraded",
  downgrade_scheduled: "Downgrade scheduled",
  downgraded: "Downgraded",
  interval_changed: "Billing period changed",
  cancel_scheduled: "Cancellation scheduled",
  resumed: "Resumed",
  canceled: "Ended",
  renewed: "Renewed",
  payment_failed: "Renewal payment failed",
  payment_recovered: "Renewal payment recovered",
  status_changed: "Status changed",
  trial_converted: "Free trial ended, first payment made",
  paused: "Paused (trial ended without a card)",
};
const INVOICE_REASONS: Record<string, string> = {
  subscription_create: "New subscription",
  subscription_cycle: "Renewal",
  subscription_update: "Plan change",
  manual: "One-off",
};

export default function Billing() {
  const { current, history, invoices, invoicesUnavailable, processing, justPaid, enterpriseEndText } = useLoaderData<typeof loader>();
  const entitled = current.entitlement;
  const seat = entitled.organization;
  const viaSeat = entitled.source === "seat";
  const answer = useActionData<typeof action>();
  const confirmStep = confirmStepOf(answer);
  const result = (confirmStep ? undefined : answer) as BillingResult | undefined;
  const currency = current.currency as Currency;
  const paid = current.tier !== "free";
  const preview = result?.preview;
  const f = useFormat();
  const day = f.date;
  const formatMoney = (amount: number, c: string) => f.money(amount, c);
  return (
    <div className="stack-lg">
      <section className="stack">
        <h1>Billing</h1>
        {justPaid && paid && !current.cancelAtPeriodEnd && !result ? (
          <p className="alert success" role="status" data-testid="subscription-paid">
            Thank you! Your payment went through. Welcome to {current.tierName}.
          </p>
        ) : null}
        {processing && !paid ? <CheckoutProcessing attempt={processing.attempt} what="your plan" /> : null}
        <FormStatus result={result} />
        <ConfirmPanel step={confirmStep} action="/account/billing" />
        <dl className="facts">
          <dt>Plan</dt>
          <dd data-testid="current-plan">{viaSeat && seat ? `${TIERS[seat.tier].name}, through ${seat.name}` : current.plan}</dd>
          {viaSeat && seat ? (
            <>
              <dt>Managed by</dt>
              <dd data-testid="plan-manager">
                {seat.managedBy.name} (<a href={`mailto:${seat.managedBy.email}`}>{seat.managedBy.email}</a>), the owner of {seat.name}
              </dd>
              <dt>Seat</dt>
              <dd>
                {seat.role === "member" ? "Member" : seat.role === "admin" ? "Admin" : "Owner"} · while the organization's licence is in force (until <When ms={seat.licenseExpiresAt} /> unless renewed)
              </dd>
              {paid ? (
                <>
                  <dt>Your own plan</dt>
                  <dd data-testid="own-plan">{current.plan} (the organization's plan is higher, so it applies)</dd>
                </>
              ) : null}
            </>
          ) : null}
          {paid ? (
            <>
              <dt>Status</dt>
              <dd data-testid="plan-status">
                {current.cancelAtPeriodEnd && current.status !== "past_due" ? (
                  <span className="badge tone-warning">Cancels at period end</span>
                ) : (
                  <StatusBadge kind="subscription" status={current.status ?? "active"} />
                )}
              </dd>
              <dt>Price</dt>
              <dd>
                {formatMoney(current.amount, currency)} {current.interval === "year" ? "a year" : "a month"}
              </dd>
              {current.trial ? (
                <>
                  <dt>Free trial ends</dt>
                  <dd data-testid="trial-end">
                    {day(current.trial.endsAt)} (<When ms={current.trial.endsAt} />)
                  </dd>
                  <dt>Card on file</dt>
                  <dd data-testid="trial-card">{current.trial.hasPaymentMethod ? "Yes" : "No card on file"}</dd>
                  <dt>When the trial ends</dt>
                  <dd data-testid="trial-at-end">
                    {current.cancelAtPeriodEnd
                      ? "Your subscription ends and you move to Free. Nothing is charged."
                      : trialEndInWords(current.trial.atEnd, current.tierName, `${formatMoney(current.amount, currency)} ${current.interval === "year" ? "a year" : "a month"}`)}
                  </dd>
                </>
              ) : (
                <>
                  <dt>{current.cancelAtPeriodEnd ? "Access ends" : "Renews on"}</dt>
                  <dd data-testid="renewal-date">
                    <When ms={current.currentPeriodEnd!} />
                  </dd>
                </>
              )}
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
            Your renewal payment failed ({f.plural(current.dunning.attempts, "attempt")}).
            {current.dunning.nextAttemptAt ? ` We'll try again on ${day(current.dunning.nextAttemptAt)}.` : ""} Update your card to keep your plan.
          </p>
        ) : null}
        {current.status === "paused" ? (
          <p className="alert info" data-testid="trial-paused">
            Your free trial ended without a card, so your subscription is paused and nothing was charged. Choose a plan to continue.
          </p>
        ) : null}
        {!paid && !seat ? (
          <p>
            <Link className="button" to="/pricing">
              See plans and upgrade
            </Link>
          </p>
        ) : null}
        {!paid && seat ? (
          <p className="muted" data-testid="seat-note">
            {seat.name} pays for your plan; there is nothing to pay here. Questions about it go to {seat.managedBy.name}.
          </p>
        ) : null}
      </section>

      <section aria-labelledby="features-title" className="stack">
        <h2 id="features-title">Your features</h2>
        <ul className="feature-list">
          {FEATURE_NAMES.map((feature) => {
            const unlocked = (entitled.features as readonly string[]).includes(feature);
            return (
              <li key={feature} className={unlocked ? "included" : "excluded"} data-testid={`feature-${feature}`} data-unlocked={unlocked}>
                <Icon name={unlocked ? "check" : "lock"} /> {FEATURES[feature].label}
                {unlocked ? null : seat ? (
                  <> · not in {seat.name}'s plan (ask {seat.managedBy.name})</>
                ) : (
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

      {paid && !current.trial ? (
        <section aria-labelledby="change-title" className="stack">
          <h2 id="change-title">Change plan</h2>
          <Form method="post" action="/account/billing" className="inline-form">
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
                    <caption className="sr-only">What changes on your next invoice</caption>
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
              {preview.resumesRenewal ? (
                <p className="alert" data-testid="change-resumes">
                  Your subscription is set to end on {day(current.currentPeriodEnd ?? preview.effectiveAt)}. This change cancels that: your plan renews again, and you can cancel it again afterwards.
                </p>
              ) : null}
              <p className="muted">
                Then {formatMoney(preview.nextRenewal.amount, preview.currency as Currency)} on {day(preview.nextRenewal.at)}.
              </p>
              {enterpriseEndText && preview.from.tier === "enterprise" && preview.to.tier !== "enterprise" ? (
                <p className="alert info" data-testid="enterprise-downgrade-impact">
                  {enterpriseEndText}
                </p>
              ) : null}
              <Form method="post" action="/account/billing">
                <CsrfInput />
                <input type="hidden" name="tier" value={preview.to.tier} />
                <input type="hidden" name="interval" value={preview.to.interval} />
                <input type="hidden" name="prorationDate" value={preview.prorationDate} />
                <SubmitButton name="intent" value="confirm" pendingText="Changing plan…">
                  Confirm change
                </SubmitButton>
              </Form>
            </div>
          ) : null}
        </section>
      ) : null}

      {paid ? (
        <section aria-labelledby="cancel-title" className="stack">
          <h2 id="cancel-title">{current.cancelAtPeriodEnd ? "Resume" : "Cancel"}</h2>
          <Form method="post" action="/account/billing">
            <CsrfInput />
            {current.cancelAtPeriodEnd ? (
              <SubmitButton name="intent" value="resume" pendingText="Resuming…">
                Resume subscription
              </SubmitButton>
            ) : (
              <>
                <p className="muted">
                  {current.trial
                    ? `Cancel during your free trial and nothing is charged: you keep ${current.tierName} until ${day(current.trial.endsAt)}, then you move to ${seat ? `${TIERS[seat.tier].name} through ${seat.name}` : "Free"}.`
                    : `You keep ${current.tierName} until ${day(current.currentPeriodEnd!)}; then you move to ${seat ? `${TIERS[seat.tier].name} through ${seat.name}` : "Free"}. You can resume before then.`}
                </p>
                {enterpriseEndText ? (
                  <p className="alert info" data-testid="enterprise-end-impact">
                    {enterpriseEndText}
                  </p>
                ) : null}
                <SubmitButton name="intent" value="cancel" className="danger" pendingText="Canceling…">
                  Cancel subscription
                </SubmitButton>
              </>
            )}
          </Form>
        </section>
      ) : null}

      <section aria-labelledby="invoices-title" className="stack">
        <h2 id="invoices-title">Invoices</h2>
        {invoicesUnavailable ? <p className="muted">Invoices are unavailable right now.</p> : null}
        {invoices.length ? (
          <HistoryTable
            rows={invoices}
            rowKey={(i) => i.id}
            caption="Invoices"
            columns={[
              { label: "Date", cell: (i) => <When ms={i.created} /> },
              { label: "Number", cell: (i) => (i.url ? <a href={i.url}>{i.number ?? i.id}</a> : (i.number ?? i.id)) },
              { label: "For", cell: (i) => INVOICE_REASONS[i.billingReason ?? ""] ?? humanize(i.billingReason) },
              { label: "Amount", className: "num", cell: (i) => formatMoney(i.status === "paid" ? i.amountPaid : i.amountDue, i.currency) },
              { label: "Status", cell: (i) => <StatusBadge kind="invoice" status={i.status ?? "draft"} /> },
            ]}
          />
        ) : invoicesUnavailable ? null : (
          <p className="muted">No invoices yet. They appear here after your first payment for a plan.</p>
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
                <When ms={h.createdAt} /> · {CHANGE_LABELS[h.kind] ?? humanize(h.kind)}
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

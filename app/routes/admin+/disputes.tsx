import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { ConfirmPanel, confirmStepOf } from "~/components/confirm";
import { EmptyState } from "~/components/empty-state";
import { CsrfInput, FormStatus } from "~/components/forms";
import { Money } from "~/components/money";
import { SubmitButton } from "~/components/submit-button";
import { When } from "~/components/when";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { disputeRate, listDisputes, prepareEvidence, submitEvidence } from "~/modules/payments/dispute-evidence.server";
import { DISPUTE_STATUS_LABELS, disputeReasonLabel, INQUIRY_STATUSES, RESPONSE_NEEDED_STATUSES } from "~/modules/payments/disputes-policy";
import { EVIDENCE_FIELDS, EVIDENCE_LABELS } from "~/modules/payments/purposes";
import { now } from "~/utils/clock";
import { askToConfirm, isConfirmed } from "~/utils/confirm.server";
import { AppError } from "~/utils/errors";
import { formError, keptValues, pageError, readForm, type FormResult } from "~/utils/forms.server";
import { formatMoney, type Currency } from "~/utils/money";
import type { DisputeStatus } from "~drizzle/schema/enums";

export const meta: MetaFunction = () => [{ title: "Disputes · Admin · Coursemint" }];

const tone = (status: DisputeStatus) =>
  status === "won" || status === "warning_closed" || status === "prevented" ? "success" : status === "lost" ? "danger" : (RESPONSE_NEEDED_STATUSES as readonly string[]).includes(status) ? "warning" : "info";

/** "4 days 3 hours left", "2 hours left", "past due" — from the loader's clock, so server and browser agree. */
function countdown(dueBy: number | null, t: number) {
  if (dueBy === null) return null;
  const ms = dueBy - t;
  if (ms <= 0) return { text: "Past due", urgent: true };
  const days = Math.floor(ms / 86_400_000);
  const hours = Math.floor((ms % 86_400_000) / 3_600_000);
  const parts = days > 0 ? [`${days} ${days === 1 ? "day" : "days"}`, `${hours} ${hours === 1 ? "hour" : "hours"}`] : [`${Math.max(1, hours)} ${hours === 1 ? "hour" : "hours"}`];
  return { text: `${parts.join(" ")} left`, urgent: days < 3 };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:dispute:any");
  const url = new URL(request.url);
  const preparing = url.searchParams.get("prepare");
  const [rows, rate] = await Promise.all([listDisputes(app), disputeRate(app)]);
  const t = now();
  const list = rows.map((r) => ({ ...r, due: (RESPONSE_NEEDED_STATUSES as readonly string[]).includes(r.status) ? countdown(r.evidenceDueBy, t) : null }));
  const target = preparing ? list.find((r) => r.id === preparing) : undefined;
  if (preparing && !target) throw pageError(app, AppError.notFound("Dispute"));
  const draft = target && (RESPONSE_NEEDED_STATUSES as readonly string[]).includes(target.status) ? await prepareEvidence(app, target.id) : null;
  return { disputes: list, rate, preparing: target?.id ?? null, draft };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const admin = await requireUserWithPermission(app, request, "update:dispute:any");
  try {
    const disputeId = String(form.get("disputeId") ?? "");
    if (form.get("intent") !== "submit" || !/^dsp_\w+$/.test(disputeId)) throw new AppError("bad_request", "Choose a dispute and submit its evidence.");
    const evidence = Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, String(form.get(f) ?? "")]));
    if (!isConfirmed(form)) {
      const rows = await listDisputes(app);
      const row = rows.find((r) => r.id === disputeId);
      if (!row) throw AppError.notFound("Dispute");
      return askToConfirm(form, {
        title: `Submit this evidence for the ${formatMoney(row.amount, row.currency as Currency)} dispute?`,
        body: `It goes to ${row.learnerName}'s bank through Stripe, which accepts one submission per dispute: it cannot be changed afterwards. The bank decides, usually within 60 to 75 days.`,
        confirmLabel: "Submit evidence",
        pendingLabel: "Submitting…",
      });
    }
    const result = await submitEvidence(app, admin, disputeId, evidence);
    return data<FormResult>({
      ok:
        result.status === "won"
          ? "Evidence submitted. The dispute was decided in our favour: access and earnings are restored."
          : result.status === "lost"
            ? "Evidence submitted. The bank decided for the cardholder: the dispute is lost."
            : "Evidence submitted. The bank is reviewing it.",
    });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function AdminDisputes() {
  const { disputes, rate, preparing, draft } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const confirmStep = confirmStepOf(answer);
  const result = (confirmStep ? undefined : answer) as FormResult | undefined;
  const [params] = useSearchParams();
  const kept = result?.values ?? {};
  return (
    <div className="stack-lg">
      <section className="stack">
        <h1>Disputes</h1>
        <p className="muted">
          Chargebacks and inquiries from cardholders' banks, re-read from Stripe with every change. <Link to="/admin">Admin</Link> · <Link to="/admin/payments">Payments</Link>
        </p>
        <p data-testid="dispute-rate" className={rate.level === "ok" ? "muted" : "alert error"} role={rate.level === "ok" ? undefined : "alert"}>
          {`Dispute rate, last ${rate.windowDays} days: ${(rate.bps / 100).toFixed(2)} % (${rate.disputes} of ${rate.charges} charges).`}
          {rate.level === "monitoring" ? " Card networks start monitoring merchants at this rate." : rate.level === "warning" ? " Close to the 0.9 % at which card networks start monitoring." : ""}
        </p>
        <FormStatus result={result} />
        <ConfirmPanel step={confirmStep} action={`/admin/disputes${params.toString() ? `?${params}` : ""}`} />
        {disputes.length === 0 ? (
          <EmptyState title="No disputes">When a cardholder disputes a payment with their bank, it shows up here with its deadline.</EmptyState>
        ) : (
          <ul className="stack" aria-label="Disputes">
            {disputes.map((d) => (
              <li key={d.id} id={d.id} className="card stack" aria-labelledby={`${d.id}-title`} data-testid="dispute">
                <h2 id={`${d.id}-title`} >
                  <Money amount={d.amount} currency={d.currency} /> · {d.description}
                </h2>
                <p>
                  <span className={`badge tone-${tone(d.status)}`} data-status={d.status}>
                    {DISPUTE_STATUS_LABELS[d.status]}
                  </span>{" "}
                  {(INQUIRY_STATUSES as readonly string[]).includes(d.status) ? <span className="muted">An inquiry: no money has moved and nothing is paused.</span> : null}
                </p>
                <dl className="facts">
                  <div className="contents">
                    <dt>Reason</dt>
                    <dd>{disputeReasonLabel(d.reason)}</dd>
                  </div>
                  <div className="contents">
                    <dt>Learner</dt>
                    <dd>
                      {d.learnerName} ({d.learnerEmail})
                    </dd>
                  </div>
                  <div className="contents">
                    <dt>Opened</dt>
                    <dd>
                      <When ms={d.openedAt} as="dateTime" />
                    </dd>
                  </div>
                  {d.due ? (
                    <div className="contents">
                      <dt>Evidence due</dt>
                      <dd data-testid="countdown">
                        <span className={`badge tone-${d.due.urgent ? "danger" : "warning"}`}>{d.due.text}</span> (<When ms={d.evidenceDueBy!} as="dateTime" />)
                      </dd>
                    </div>
                  ) : null}
                  {d.evidenceSubmittedAt ? (
                    <div className="contents">
                      <dt>Evidence submitted</dt>
                      <dd>
                        <When ms={d.evidenceSubmittedAt} as="dateTime" />
                      </dd>
                    </div>
                  ) : null}
                  {d.feeAmount > 0 ? (
                    <div className="contents">
                      <dt>Stripe dispute fee</dt>
                      <dd>
                        <Money amount={d.feeAmount} currency={d.currency} /> (platform cost)
                      </dd>
                    </div>
                  ) : null}
                  <div className="contents">
                    <dt>Payment</dt>
                    <dd>
                      <Link to={`/admin/payments?q=${d.paymentId}`}>
                        <code>{d.paymentId}</code>
                      </Link>
                    </dd>
                  </div>
                </dl>
                {d.due && preparing !== d.id ? (
                  <p>
                    <Link className="button" to={`/admin/disputes?prepare=${d.id}#${d.id}`}>
                      Prepare evidence
                    </Link>
                  </p>
                ) : null}
                {preparing === d.id && draft ? (
                  <Form method="post" action={`/admin/disputes?prepare=${d.id}`} className="stack" aria-label="Evidence for the bank">
                    <CsrfInput />
                    <input type="hidden" name="disputeId" value={d.id} />
                    <p className="hint">Filled from our records. Check every field, change what the bank should read differently, then submit.</p>
                    {EVIDENCE_FIELDS.map((field) => {
                      const value = kept[field] ?? draft[field] ?? "";
                      const long = field === "access_activity_log" || field === "uncategorized_text" || field === "product_description" || field.endsWith("_disclosure");
                      const errors = result?.errors?.[field];
                      return (
                        <div className="field" key={field}>
                          <label htmlFor={`${d.id}-${field}`}>{EVIDENCE_LABELS[field]}</label>
                          {long ? (
                            <textarea id={`${d.id}-${field}`} name={field} defaultValue={value} rows={field === "access_activity_log" || field === "uncategorized_text" ? 8 : 4} maxLength={20_000} aria-invalid={errors ? true : undefined} />
                          ) : (
                            <input id={`${d.id}-${field}`} name={field} defaultValue={value} maxLength={20_000} aria-invalid={errors ? true : undefined} />
                          )}
                          {errors ? <p className="field-errors">{errors.join(" ")}</p> : null}
                        </div>
                      );
                    })}
                    <div className="inline-form">
                      <SubmitButton name="intent" value="submit" pendingText="Checking…">
                        Submit evidence
                      </SubmitButton>
                      <Link className="button secondary" to={`/admin/disputes#${d.id}`}>
                        Cancel
                      </Link>
                    </div>
                  </Form>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

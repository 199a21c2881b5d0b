import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import * as z from "zod";
import { CsrfInput, Field, FormStatus } from "~/components/forms";
import { History } from "~/components/history";
import { StatusBadge, statusLabel } from "~/components/status";
import { When } from "~/components/when";
import { formatDate, viewerFromRequest } from "~/utils/format";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { changeLicense, createLicense, getLicense, listLicenses } from "~/modules/licensing/licenses.server";
import { ConfirmPanel, confirmStepOf } from "~/components/confirm";
import { SubmitButton } from "~/components/submit-button";
import { askToConfirm, isConfirmed } from "~/utils/confirm.server";
import { LICENSE_TIERS } from "~/modules/licensing/tiers";
import { TIERS } from "~/modules/subscriptions/tiers";
import { parseOrThrow } from "~/utils/errors";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { LICENSE_STATUSES, MACHINE_OVERAGES } from "~drizzle/schema/enums";

export const meta: MetaFunction = () => [{ title: "Licenses · Admin · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "update:license:any");
  const status = z.enum(LICENSE_STATUSES).optional().catch(undefined).parse(new URL(request.url).searchParams.get("status") || undefined);
  const rows = await listLicenses(app, { status });
  return { licenses: rows.map((r) => ({ ...r.license, organizationName: r.organizationName })) };
}

type AdminResult = FormResult & { key?: string; licenseId?: string };

const intentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("create") }).loose(),
  z.object({
    intent: z.literal("change"),
    licenseId: z.string().min(1).max(64),
    action: z.string(),
    expiresAt: z.string().optional(),
    reason: z.string().optional(),
    heartbeatMinutes: z.string().optional(),
    checkInDays: z.string().optional(),
    machineOverage: z.string().optional(),
  }),
]);

/** The policy fields of the page's forms: empty means "off" (no heartbeats, no check-ins). */
const policyFromForm = (fields: { heartbeatMinutes?: string; checkInDays?: string; machineOverage?: string }, emptyIsOff: boolean) => ({
  heartbeatIntervalSeconds: fields.heartbeatMinutes ? Number(fields.heartbeatMinutes) * 60 : emptyIsOff ? null : undefined,
  checkInIntervalDays: fields.checkInDays ? Number(fields.checkInDays) : emptyIsOff ? null : undefined,
  machineOverage: fields.machineOverage || undefined,
});

function policySummary(l: { heartbeatIntervalSeconds: number | null; heartbeatGraceSeconds: number; checkInIntervalDays: number | null; machineOverage: string }) {
  const parts = [
    l.heartbeatIntervalSeconds ? `Heartbeat every ${Math.round(l.heartbeatIntervalSeconds / 60)} min (+${Math.round(l.heartbeatGraceSeconds / 60)} min grace)` : "No heartbeats",
    l.checkInIntervalDays ? `check in every ${l.checkInIntervalDays} days` : "no check-ins",
    l.machineOverage === "none" ? "no overage" : `${l.machineOverage} machines`,
  ];
  return parts.join(" · ");
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const admin = await requireUserWithPermission(app, request, "update:license:any");
  try {
    const fields = Object.fromEntries(form) as Record<string, string>;
    const input = parseOrThrow(intentSchema, fields);
    if (input.intent === "create") {
      await requireUserWithPermission(app, request, "create:license:any");
      const blank = (v: string | undefined) => (v ? v : undefined);
      const num = (v: string | undefined) => (v ? Number(v) : undefined); // "abc" is NaN: refused by the schema with a field error
      const { license, key } = await createLicense(app, admin, {
        organizationId: blank(fields.organizationId),
        organizationName: blank(fields.organizationName),
        ownerEmail: blank(fields.ownerEmail),
        tier: fields.tier,
        expiresAt: blank(fields.expiresAt),
        maxSeats: num(fields.maxSeats),
        maxMachines: num(fields.maxMachines),
        policy: policyFromForm(fields, false),
      });
      return data<AdminResult>({ ok: `License ${license.id} created. Copy its key now or find it on the organization's dashboard.`, key, licenseId: license.id });
    }
    if ((input.action === "suspend" || input.action === "revoke") && !isConfirmed(form)) {
      const license = await getLicense(app, input.licenseId);
      return askToConfirm(form, {
        title: input.action === "revoke" ? `Revoke license ${license.id}?` : `Suspend license ${license.id}?`,
        body:
          input.action === "revoke"
            ? "Every machine using it fails validation at once and the license can never be used again. This cannot be undone."
            : "Every machine using it fails validation until you reinstate it.",
        confirmLabel: input.action === "revoke" ? "Revoke license" : "Suspend license",
        pendingLabel: input.action === "revoke" ? "Revoking…" : "Suspending…",
      });
    }
    const body =
      input.action === "extend"
        ? { action: "extend", expiresAt: input.expiresAt }
        : input.action === "update_policy"
          ? { action: "update_policy", policy: policyFromForm(input, true) }
          : { action: input.action, reason: input.reason || undefined };
    const license = await changeLicense(app, admin, input.licenseId, body);
    return data<AdminResult>({ ok: `License ${license.id} is now ${statusLabel("license", license.status).toLowerCase()}, valid until ${formatDate(license.expiresAt, viewerFromRequest(request))}.` });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}


export default function AdminLicenses() {
  const { licenses } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const confirmStep = confirmStepOf(answer);
  const result = (confirmStep ? undefined : answer) as AdminResult | undefined;
  const busy = useNavigation().state === "submitting";
  const v = result?.values ?? {};
  return (
    <section className="stack-lg">
      <div className="stack">
        <h1>Licenses</h1>
        <p className="muted">Enterprise licenses: those paid by subscriptions and those created here for sales-led deals. Every change is audited.</p>
        <FormStatus result={result} />
        <ConfirmPanel step={confirmStep} action="/admin/licenses" />
        {result?.key ? (
          <div className="stack">
            <label htmlFor="new-key">License key</label>
            <textarea id="new-key" className="secret" readOnly rows={4} value={result.key} data-testid="new-license-key" />
          </div>
        ) : null}
      </div>

      <Form method="post" className="card stack narrow-left">
        <h2>Create a license</h2>
        <CsrfInput />
        <input type="hidden" name="intent" value="create" />
        <p className="muted">For an existing organization give its ID; for a new one give its name and the email of its owner (an existing account).</p>
        <Field label="Organization ID" name="organizationId" defaultValue={v.organizationId} errors={result?.errors} />
        <Field label="New organization name" name="organizationName" defaultValue={v.organizationName} errors={result?.errors} />
        <Field label="Owner email" name="ownerEmail" type="email" defaultValue={v.ownerEmail} errors={result?.errors} />
        <label>
          Plan{" "}
          <select name="tier" defaultValue={v.tier ?? "enterprise"}>
            {LICENSE_TIERS.map((t) => (
              <option key={t} value={t}>
                {TIERS[t].name}
              </option>
            ))}
          </select>
        </label>
        <Field label="Valid until" name="expiresAt" type="date" required defaultValue={v.expiresAt} errors={result?.errors} />
        <Field label="Seats (leave empty for the plan's number)" name="maxSeats" type="number" min={1} defaultValue={v.maxSeats} errors={result?.errors} />
        <Field label="Machines (leave empty for the plan's number)" name="maxMachines" type="number" min={1} defaultValue={v.maxMachines} errors={result?.errors} />
        <PolicyFields values={v} />
        <SubmitButton pendingText="Creating…">Create license</SubmitButton>
      </Form>

      <div className="stack">
        <h2>All licenses</h2>
        <History
          filters={[{ name: "status", label: "Status", type: "select", options: LICENSE_STATUSES.map((st) => [st, statusLabel("license", st)] as const) }]}
          rows={licenses}
          rowKey={(l) => l.id}
          rowProps={(l) => ({ "data-license-id": l.id }) as React.HTMLAttributes<HTMLTableRowElement>}
          caption="Licenses"
          empty={{ title: "No licenses yet", body: "Licenses appear when an organization subscribes to Enterprise, or when you create one above." }}
          columns={[
            { label: "Organization", cell: (l) => <Link to={`/enterprise?organizationId=${l.organizationId}`}>{l.organizationName}</Link> },
            { label: "Plan", cell: (l) => TIERS[l.tier].name },
            { label: "Status", cell: (l) => <StatusBadge kind="license" status={l.status} /> },
            { label: "Valid until", cell: (l) => <When ms={l.expiresAt} /> },
            { label: "Source", cell: (l) => (l.source === "subscription" ? "Subscription" : "Created by an admin") },
            { label: "License", cell: (l) => <code>{l.id}</code> },
            { label: "Machine policy", cell: (l) => <span data-testid="license-policy">{policySummary(l)}</span> },
            {
              label: "Actions",
              className: "actions",
              cell: (l) =>
                l.status !== "revoked" ? (
                  <div className="stack">
                    <Form method="post" className="inline-form">
                      <CsrfInput />
                      <input type="hidden" name="intent" value="change" />
                      <input type="hidden" name="licenseId" value={l.id} />
                      <input type="hidden" name="action" value="extend" />
                      <label>
                        New expiry <input type="date" name="expiresAt" required />
                      </label>
                      <button type="submit" className="small" disabled={busy}>
                        Extend
                      </button>
                    </Form>
                    <Form method="post" className="inline">
                      <CsrfInput />
                      <input type="hidden" name="intent" value="change" />
                      <input type="hidden" name="licenseId" value={l.id} />
                      <input type="hidden" name="action" value={l.status === "suspended" ? "reinstate" : "suspend"} />
                      {l.status === "active" || l.status === "suspended" ? (
                        <button type="submit" className="small secondary" disabled={busy}>
                          {l.status === "suspended" ? "Reinstate" : "Suspend"}
                        </button>
                      ) : null}
                    </Form>{" "}
                    <details>
                      <summary>Change machine policy</summary>
                      <Form method="post" className="stack">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="change" />
                        <input type="hidden" name="licenseId" value={l.id} />
                        <input type="hidden" name="action" value="update_policy" />
                        <PolicyFields
                          values={{
                            heartbeatMinutes: l.heartbeatIntervalSeconds ? String(Math.round(l.heartbeatIntervalSeconds / 60)) : "",
                            checkInDays: l.checkInIntervalDays ? String(l.checkInIntervalDays) : "",
                            machineOverage: l.machineOverage,
                          }}
                          idPrefix={l.id}
                        />
                        <button type="submit" className="small" disabled={busy}>
                          Save policy
                        </button>
                      </Form>
                    </details>
                    <Form method="post" className="inline">
                      <CsrfInput />
                      <input type="hidden" name="intent" value="change" />
                      <input type="hidden" name="licenseId" value={l.id} />
                      <input type="hidden" name="action" value="revoke" />
                      <button type="submit" className="small danger" disabled={busy}>
                        Revoke
                      </button>
                    </Form>
                  </div>
                ) : (
                  <span className="muted">None: the license is revoked</span>
                ),
            },
          ]}
        />
      </div>
    </section>
  );
}

/** Heartbeat, check-in and overage inputs (empty: off). Used by the create form and each license's policy form. */
function PolicyFields({ values, idPrefix = "new" }: { values: Record<string, string | undefined>; idPrefix?: string }) {
  return (
    <fieldset className="stack">
      <legend>Machine policy</legend>
      <label htmlFor={`${idPrefix}-heartbeat`}>Heartbeat every (minutes; empty: no heartbeats)</label>
      <input id={`${idPrefix}-heartbeat`} name="heartbeatMinutes" type="number" min={1} max={10080} defaultValue={values.heartbeatMinutes ?? ""} />
      <label htmlFor={`${idPrefix}-checkin`}>Check in every (days; empty: never)</label>
      <input id={`${idPrefix}-checkin`} name="checkInDays" type="number" min={1} max={365} defaultValue={values.checkInDays ?? ""} />
      <label htmlFor={`${idPrefix}-overage`}>Machines allowed past the limit</label>
      <select id={`${idPrefix}-overage`} name="machineOverage" defaultValue={values.machineOverage ?? "none"}>
        {MACHINE_OVERAGES.map((o) => (
          <option key={o} value={o}>
            {o === "none" ? "None" : `Up to ${o} the limit`}
          </option>
        ))}
      </select>
    </fieldset>
  );
}

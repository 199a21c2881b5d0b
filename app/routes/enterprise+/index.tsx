import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { ChartLegend, StackedBarChart, type BarSeries } from "~/components/bar-chart";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import * as z from "zod";
import { EmptyState } from "~/components/empty-state";
import { CsrfInput, Field, FormStatus } from "~/components/forms";
import { StatusBadge } from "~/components/status";
import { When } from "~/components/when";
import { formatDate, formatNumber, plural, useFormat } from "~/utils/format";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { updateBranding, whiteLabelAvailable } from "~/modules/licensing/branding.server";
import { deactivateMachineById, findLicenseKeyFor, findMachineFor, issueLicenseKey, revokeLicenseKey } from "~/modules/licensing/licenses.server";
import { ConfirmPanel, confirmStepOf } from "~/components/confirm";
import { SubmitButton } from "~/components/submit-button";
import { askToConfirm, isConfirmed } from "~/utils/confirm.server";
import { addMember, findRemovableMember, memberProgress, organizationsOf, removeMember } from "~/modules/licensing/organizations.server";
import { inviteMember, listInvitations, resendInvitation, revokeInvitation } from "~/modules/licensing/invitations.server";
import { organizationDashboard, organizationUsage } from "~/modules/licensing/reports.server";
import { featureLabel } from "~/modules/licensing/tiers";
import { INVITATION_POLICY } from "~/modules/licensing/policy";
import { TIERS } from "~/modules/subscriptions/tiers";
import { AppError, errorResponse, parseOrThrow, toAppError } from "~/utils/errors";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { takeFlash } from "~/utils/flash.server";
import { branded } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [{ title: branded(matches, "Enterprise · Coursemint") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "read:organization:own");
  const organizationId = new URL(request.url).searchParams.get("organizationId") || undefined;
  const flash = takeFlash(app, request, "/enterprise");
  const welcome = flash.notice === "invitation_accepted" || flash.notice === "invitation_already_member" ? flash.notice : null;
  try {
    const [dashboard, organizations] = await Promise.all([organizationDashboard(app, user, organizationId), organizationsOf(app, user.id)]);
    if (!dashboard) return data({ dashboard: null, organizations: [], usage: null, whiteLabel: false, invitations: [], progress: {}, welcome }, { headers: flash.headers });
    const orgId = dashboard.organization.id;
    const [usage, whiteLabel, invitations, progress] = dashboard.isAdmin
      ? await Promise.all([organizationUsage(app, user, { organizationId: orgId }), whiteLabelAvailable(app, orgId), listInvitations(app, orgId), memberProgress(app, orgId)])
      : [null, false, [], new Map()];
    return data(
      {
        dashboard,
        organizations: organizations.map((o) => ({ id: o.organization.id, name: o.organization.name })),
        usage,
        whiteLabel,
        invitations,
        // Members' learning: only the organization's owner and admins see it.
        progress: Object.fromEntries(progress) as Record<string, { enrolled: number; completed: number; lastCompletedAt: number | null }>,
        welcome,
      },
      { headers: flash.headers },
    );
  } catch (error) {
    throw errorResponse(toAppError(error), app.requestId); // another organization's page: 404
  }
}

const intentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("deactivate-machine"), machineId: z.string().min(1).max(64) }),
  z.object({ intent: z.literal("issue-key"), licenseId: z.string().min(1).max(64), label: z.string().optional() }),
  z.object({ intent: z.literal("revoke-key"), licenseId: z.string().min(1).max(64), keyId: z.string().min(1).max(64) }),
  z.object({ intent: z.literal("add-member"), email: z.string(), role: z.string().optional() }),
  z.object({ intent: z.literal("remove-member"), userId: z.string().min(1).max(64) }),
  z.object({ intent: z.literal("invite"), email: z.string(), role: z.string().optional() }),
  z.object({ intent: z.literal("resend-invitation"), invitationId: z.string().min(1).max(64) }),
  z.object({ intent: z.literal("revoke-invitation"), invitationId: z.string().min(1).max(64) }),
  z.object({ intent: z.literal("branding") }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "update:organization:own");
  const organizationId = new URL(request.url).searchParams.get("organizationId") || String(form.get("organizationId") ?? "");
  try {
    const fields = Object.fromEntries([...form].filter(([, v]) => typeof v === "string"));
    const input = parseOrThrow(intentSchema, fields);
    const orgId = organizationId || (await organizationsOf(app, user.id))[0]?.organization.id || "";
    switch (input.intent) {
      case "deactivate-machine": {
        if (!isConfirmed(form)) {
          const { machine } = await findMachineFor(app, user, input.machineId);
          return askToConfirm(form, {
            title: `Deactivate ${machine.name ?? machine.fingerprint}?`,
            body: "The software on that machine stops validating its license at once and its slot is freed. It can be activated again later, using a slot.",
            confirmLabel: "Deactivate machine",
            pendingLabel: "Deactivating…",
          });
        }
        const { machine } = await deactivateMachineById(app, user, input.machineId);
        return data<FormResult>({ ok: `${machine.name ?? machine.fingerprint} was deactivated; its slot is free.` });
      }
      case "issue-key": {
        const { key } = await issueLicenseKey(app, user, input.licenseId, { label: input.label?.trim() || undefined });
        return data<FormResult & { newKey?: { licenseId: string; label: string; key: string } }>({
          ok: `New key “${key.label}” issued. Deploy it, then revoke the key it replaces.`,
          newKey: { licenseId: input.licenseId, label: key.label, key: key.key },
        });
      }
      case "revoke-key": {
        if (!isConfirmed(form)) {
          const { key } = await findLicenseKeyFor(app, user, input.licenseId, input.keyId);
          return askToConfirm(form, {
            title: `Revoke the key “${key.label}”?`,
            body: "Software using this key fails validation at once (KEY_REVOKED) and cannot activate machines or check in with it. The license's other keys and its machines keep working. This cannot be undone.",
            confirmLabel: "Revoke key",
            pendingLabel: "Revoking…",
          });
        }
        const { key } = await revokeLicenseKey(app, user, input.licenseId, input.keyId, {});
        return data<FormResult>({ ok: `The key “${key.label}” was revoked.` });
      }
      case "add-member": {
        const member = await addMember(app, user, orgId, { email: input.email, role: input.role });
        return data<FormResult>({ ok: `${member.name} is now a member.` });
      }
      case "invite": {
        const { invitation, resent } = await inviteMember(app, user, orgId, { email: input.email, role: input.role || undefined });
        return data<FormResult>({
          ok: resent
            ? `${invitation.email} already had an invitation; we sent a new link (the old one no longer works).`
            : `Invitation sent to ${invitation.email}. The link works once, for 7 days.`,
        });
      }
      case "resend-invitation": {
        const invitation = await resendInvitation(app, user, orgId, input.invitationId);
        return data<FormResult>({ ok: `A new link was sent to ${invitation.email}; the previous one no longer works.` });
      }
      case "revoke-invitation": {
        if (!isConfirmed(form)) {
          return askToConfirm(form, {
            title: "Revoke this invitation?",
            body: "The link in the email stops working at once. You can invite the address again later.",
            confirmLabel: "Revoke invitation",
            pendingLabel: "Revoking…",
          });
        }
        const invitation = await revokeInvitation(app, user, orgId, input.invitationId);
        return data<FormResult>({ ok: `The invitation to ${invitation.email} was revoked.` });
      }
      case "remove-member":
        if (!isConfirmed(form)) {
          const { organization, member } = await findRemovableMember(app, user, orgId, input.userId);
          return askToConfirm(form, {
            title: `Remove ${member.name} from ${organization.name}?`,
            body: `${member.name} (${member.email}) loses the organization's plan at once (member prices, certificates, downloads) and their seat is freed; we tell them by email. Their courses and progress stay in their account. You can invite them again later.`,
            confirmLabel: "Remove member",
            pendingLabel: "Removing…",
          });
        }
        await removeMember(app, user, orgId, input.userId);
        return data<FormResult>({ ok: "The member was removed; their seat is free." });
      case "branding":
        await updateBranding(app, user, orgId, form);
        return data<FormResult>({ ok: "Branding saved. Members see it on every page and in their emails." });
    }
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") throw new Response("Not Found", { status: 404 });
    return formError(app, error, keptValues(form));
  }
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** A machine's state in words. */
function machineState(m: { active: boolean; deactivatedReason: string | null }) {
  if (m.active) return "Active";
  switch (m.deactivatedReason) {
    case "heartbeat_dead":
      return "Stopped: missed heartbeats";
    case "admin":
      return "Deactivated by an admin";
    case "key_holder":
      return "Deactivated by its software";
    default:
      return "Deactivated";
  }
}

/**
 * The one shape of every organization action on this page: a POST back to the dashboard with the
 * intent and the record's id, asked about first, disabled while another submission is running.
 */
/** A one-button row action; the server asks for confirmation where the action is destructive. */
function IntentForm({ q, intent, fields, label, pendingText }: { q: string; intent: string; fields: Record<string, string>; label: string; pendingText: string }) {
  return (
    <Form method="post" action={`/enterprise${q}`} className="inline">
      <CsrfInput />
      <input type="hidden" name="intent" value={intent} />
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <SubmitButton className="small" pendingText={pendingText}>
        {label}
      </SubmitButton>
    </Form>
  );
}

export default function EnterpriseDashboard() {
  const { dashboard, organizations, usage, whiteLabel, invitations, progress, welcome } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const confirmStep = confirmStepOf(answer);
  const result = (confirmStep ? undefined : answer) as (FormResult & { newKey?: { licenseId: string; label: string; key: string } }) | undefined;
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const f = useFormat();
  if (!dashboard) {
    return (
      <section className="stack narrow">
        <h1>Enterprise</h1>
        <p>You are not a member of an organization yet.</p>
        <p>
          Subscribe to <Link to="/pricing">Coursemint {TIERS.enterprise.name}</Link> to get a license for your team, or ask your organization's
          administrator to add you.
        </p>
      </section>
    );
  }
  const { organization, licenses, members, seats, isAdmin } = dashboard;
  const q = `?organizationId=${organization.id}`;
  return (
    <section className="stack-lg">
      <div className="stack">
        <h1>{organization.name}</h1>
        <p className="muted">
          Your role: <strong>{dashboard.role === "platform_admin" ? "Platform admin" : cap(dashboard.role)}</strong> · Seats{" "}
          <strong data-testid="seats">
            {f.number(seats.used)} of {f.number(seats.limit)}
          </strong>{" "}
          used
        </p>
        {organizations.length > 1 ? (
          <Form method="get" className="inline-form">
            <label>
              Organization{" "}
              <select name="organizationId" defaultValue={organization.id}>
                {organizations.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">Show</button>
          </Form>
        ) : null}
        {welcome && !result ? (
          <p className="alert success" role="status" data-testid="invitation-accepted">
            {welcome === "invitation_accepted" ? `Welcome to ${organization.name}! Its plan now applies to your account.` : `You're already a member of ${organization.name}.`}
          </p>
        ) : null}
        {dashboard.role !== "platform_admin" && !isAdmin ? (
          <p className="muted">Your plan comes from {organization.name}: member prices, certificates and offline downloads while its licence is in force.</p>
        ) : null}
        <FormStatus result={result} />
        <ConfirmPanel step={confirmStep} action={`/enterprise${q}`} />
      </div>

      <div className="stack">
        <h2>Licenses</h2>
        {licenses.length === 0 ? (
          <EmptyState title="No licenses yet" action={<Link to="/pricing">Compare plans</Link>}>
            A {TIERS.enterprise.name} subscription comes with a license for your team.
          </EmptyState>
        ) : null}
        {licenses.map((l) => (
          <article key={l.id} className="card stack" data-testid="license" data-license-id={l.id}>
            <h3>
              {TIERS[l.tier].name} license <StatusBadge kind="license" status={l.status} />
            </h3>
            <dl className="facts">
              <dt>Valid until</dt>
              <dd data-testid="license-expires">
                <When ms={l.expiresAt} />
              </dd>
              <dt>Renewal</dt>
              <dd>{l.autoRenews ? "Renews with your subscription" : l.source === "subscription" ? "Ends with your subscription" : "Renewed by contract"}</dd>
              <dt>Machines</dt>
              <dd>
                {f.number(l.machines.filter((m) => m.active).length)} of {f.plural(l.maxMachines, "machine")} active
              </dd>
              <dt>Seats</dt>
              <dd>{f.number(l.maxSeats)}</dd>
              <dt>Features</dt>
              <dd>{l.features.map(featureLabel).join(", ")}</dd>
              <dt>Machine policy</dt>
              <dd data-testid="license-policy">
                {l.policy.heartbeatIntervalSeconds
                  ? `Heartbeat every ${f.plural(Math.round(l.policy.heartbeatIntervalSeconds / 60), "minute")}, ${f.plural(Math.round(l.policy.heartbeatGraceSeconds / 60), "minute")} grace`
                  : "No heartbeats required"}
                {" · "}
                {l.policy.machineOverage === "none" ? "no machines past the limit" : `up to ${f.number(l.policy.machineCeiling)} machines (${l.policy.machineOverage})`}
              </dd>
              {l.policy.checkInDueAt !== null ? (
                <>
                  <dt>Next check-in due</dt>
                  <dd>
                    <When ms={l.policy.checkInDueAt} as="dateTime" /> (every {f.plural(l.policy.checkInIntervalDays ?? 0, "day")})
                  </dd>
                </>
              ) : null}
              <dt>License ID</dt>
              <dd>
                <code>{l.id}</code>
              </dd>
            </dl>
            {isAdmin ? (
              <div className="stack" data-testid="license-keys">
                <h4>Keys</h4>
                <p className="muted">
                  Activate machines with <code>POST /api/enterprise/licenses/activate</code> and check them with{" "}
                  <code>GET /api/enterprise/licenses/validate</code> (see the <a href="/api/enterprise/licenses/public-key">public key</a> for offline checks).{" "}
                  {l.status !== "revoked" ? <a href={`/api/enterprise/licenses/${l.id}/offline-file?download=1&days=30`}>Download a 30-day offline license file</a> : null}
                </p>
                {result?.newKey?.licenseId === l.id ? (
                  <div className="stack">
                    <label htmlFor={`new-key-${l.id}`}>New key “{result.newKey.label}”</label>
                    <textarea id={`new-key-${l.id}`} className="secret" readOnly rows={4} value={result.newKey.key} data-testid="new-license-key" />
                  </div>
                ) : null}
                <ul className="feature-list stack">
                  {l.keys.map((k) => (
                    <li key={k.id} className="stack" data-testid="license-key-row" data-key-id={k.id}>
                      <div>
                        <strong>{k.label}</strong>{" "}
                        <span className={`badge tone-${k.revokedAt === null ? "success" : "neutral"}`}>{k.revokedAt === null ? "In use" : "Revoked"}</span>{" "}
                        <span className="muted">
                          issued <When ms={k.createdAt} />
                          {k.revokedAt !== null ? (
                            <>
                              {" "}
                              · revoked <When ms={k.revokedAt} />
                            </>
                          ) : null}
                        </span>
                      </div>
                      {k.key ? (
                        <>
                          <label htmlFor={`key-${l.id}-${k.id}`} className="sr-only">
                            License key {k.label}
                          </label>
                          <textarea id={`key-${l.id}-${k.id}`} className="secret" readOnly rows={3} value={k.key} data-testid="license-key" />
                          <IntentForm q={q} intent="revoke-key" fields={{ licenseId: l.id, keyId: k.id }} label="Revoke key" pendingText="Checking…" />
                        </>
                      ) : null}
                    </li>
                  ))}
                </ul>
                {l.status !== "revoked" ? (
                  <Form method="post" action={`/enterprise${q}`} className="inline-form">
                    <CsrfInput />
                    <input type="hidden" name="intent" value="issue-key" />
                    <input type="hidden" name="licenseId" value={l.id} />
                    <Field label="New key's label" name="label" placeholder="e.g. Production 2027" errors={result?.errors} />
                    <SubmitButton className="small" pendingText="Issuing…">
                      Issue a new key
                    </SubmitButton>
                  </Form>
                ) : null}
              </div>
            ) : null}
            {l.machines.length ? (
              <table className="table-cards">
                <caption className="sr-only">Machines using this license</caption>
                <thead>
                  <tr>
                    <th scope="col">Machine</th>
                    <th scope="col">Fingerprint</th>
                    <th scope="col">First seen</th>
                    <th scope="col">Last seen</th>
                    {l.policy.heartbeatIntervalSeconds ? <th scope="col">Next heartbeat due</th> : null}
                    <th scope="col">State</th>
                    {isAdmin ? (
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {l.machines.map((m) => (
                    <tr key={m.id} data-testid="machine">
                      <td data-label="Machine">{m.name ?? "Unnamed"}</td>
                      <td data-label="Fingerprint">
                        <code>{m.fingerprint}</code>
                      </td>
                      <td data-label="First seen">
                        <When ms={m.firstSeenAt} as="dateTime" />
                      </td>
                      <td data-label="Last seen">
                        <When ms={m.lastSeenAt} as="relative" />
                      </td>
                      {l.policy.heartbeatIntervalSeconds ? (
                        <td data-label="Next heartbeat due">{m.heartbeatDeadline !== null ? <When ms={m.heartbeatDeadline} as="relative" /> : "—"}</td>
                      ) : null}
                      <td data-label="State">
                        <span className={`badge tone-${m.active ? "success" : m.deactivatedReason === "heartbeat_dead" ? "warning" : "neutral"}`} data-testid="machine-state">
                          {machineState(m)}
                        </span>
                      </td>
                      {isAdmin ? (
                        <td className="actions">
                          {m.active ? (
                            <IntentForm q={q} intent="deactivate-machine" fields={{ machineId: m.id }} label="Deactivate" pendingText="Checking…" />
                          ) : null}
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted">No machines activated yet. Activate one with the license key above.</p>
            )}
          </article>
        ))}
      </div>

      {usage ? (
        <div className="stack">
          <h2>Usage, last 30 days</h2>
          <p data-testid="usage-summary">
            {f.plural(usage.validations.total, "validation")} · {f.number(usage.machines.active)} of {f.plural(usage.machines.limit, "machine")} active · {f.number(usage.seats.used)} of {f.plural(usage.seats.limit, "seat")} used
          </p>
          <UsageChart days={usage.validations.days} />
        </div>
      ) : null}

      <div className="stack" id="members">
        <h2>Members</h2>
        <p className="muted" data-testid="seat-use">
          {f.number(seats.used)} of {f.plural(seats.limit, "seat")} used
          {isAdmin && invitations.length ? ` · ${f.plural(invitations.filter((i) => i.state === "pending").length, "invitation")} waiting` : ""}. Each member
          gets the organization's plan: member prices, certificates and offline downloads.
        </p>
        <table className="table-cards">
          <caption className="sr-only">Members of {organization.name}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              {isAdmin ? (
                <>
                  <th scope="col">Courses</th>
                  <th scope="col">Completed</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {members.map((m) => {
              const p = progress[m.userId];
              return (
                <tr key={m.userId} data-testid="member" data-email={m.email}>
                  <td data-label="Name">{m.name}</td>
                  <td data-label="Email">{m.email}</td>
                  <td data-label="Role">{cap(m.role)}</td>
                  {isAdmin ? (
                    <>
                      <td data-label="Courses" data-testid="member-enrolled">
                        {f.plural(p?.enrolled ?? 0, "course")}
                      </td>
                      <td data-label="Completed" data-testid="member-completed">
                        {f.number(p?.completed ?? 0)}
                        {p?.lastCompletedAt ? (
                          <span className="muted">
                            {" "}
                            · last <When ms={p.lastCompletedAt} />
                          </span>
                        ) : null}
                      </td>
                      <td className="actions">
                        {m.role !== "owner" ? (
                          <IntentForm q={q} intent="remove-member" fields={{ userId: m.userId }} label="Remove" pendingText="Checking…" />
                        ) : null}
                      </td>
                    </>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
        {isAdmin ? (
          <>
            <h3 id="invite-title">Invite people</h3>
            <Form method="post" action={`/enterprise${q}`} className="inline-form" aria-labelledby="invite-title" data-testid="invite-form">
              <CsrfInput />
              <input type="hidden" name="intent" value="invite" />
              <Field label="Email to invite" name="email" type="email" required defaultValue={result?.values?.email} errors={result?.errors} />
              <label>
                Role{" "}
                <select name="role" defaultValue={result?.values?.role ?? "member"}>
                  <option value="member">Member</option>
                  <option value="admin">Admin</option>
                </select>
              </label>
              <SubmitButton pendingText="Sending…" disabled={busy || seats.used >= seats.limit}>
                Send invitation
              </SubmitButton>
            </Form>
            {seats.used >= seats.limit ? (
              <p className="muted" data-testid="seats-full">
                {seats.limit === 0 ? "The organization has no licence in force, so nobody can join." : "Every seat is taken: remove a member or add seats to invite someone."}
              </p>
            ) : (
              <p className="muted">They get a link by email that works once, for {f.plural(INVITATION_POLICY.ttlMs / 86_400_000, "day")}; it signs them up first if they are new.</p>
            )}
            <h3>Pending invitations</h3>
            {invitations.length ? (
              <table className="table-cards" data-testid="invitations">
                <caption className="sr-only">Invitations not yet accepted</caption>
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Sent</th>
                    <th scope="col">Link</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {invitations.map((i) => (
                    <tr key={i.id} data-testid="invitation" data-email={i.email}>
                      <td data-label="Email">{i.email}</td>
                      <td data-label="Role">{cap(i.role)}</td>
                      <td data-label="Sent">
                        <When ms={i.sentAt} />
                        {i.invitedByName ? ` by ${i.invitedByName}` : ""}
                        {i.sendCount > 1 ? ` (sent ${f.plural(i.sendCount, "time")})` : ""}
                      </td>
                      <td data-label="Link">
                        {i.state === "expired" ? (
                          <span className="badge tone-warning">Expired</span>
                        ) : (
                          <>
                            <span className="badge tone-info">Waiting</span> until <When ms={i.expiresAt} />
                          </>
                        )}
                      </td>
                      <td className="actions">
                        <IntentForm q={q} intent="resend-invitation" fields={{ invitationId: i.id }} label="Resend" pendingText="Sending…" />{" "}
                        <IntentForm q={q} intent="revoke-invitation" fields={{ invitationId: i.id }} label="Revoke" pendingText="Checking…" />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted">No invitations waiting.</p>
            )}
          </>
        ) : null}
      </div>

      {isAdmin ? (
        <div className="stack">
          <h2>Branding</h2>
          {whiteLabel ? (
            <Form method="post" action={`/enterprise${q}`} encType="multipart/form-data" className="stack narrow-left" data-testid="branding-form">
              <CsrfInput />
              <input type="hidden" name="intent" value="branding" />
              <Field label="Display name" name="name" required defaultValue={result?.values?.name ?? organization.brandName ?? organization.name} errors={result?.errors} />
              <Field label="Main colour" name="primaryColor" type="color" defaultValue={organization.brandPrimaryColor ?? "#0b7a5c"} errors={result?.errors} />
              <Field label="Accent colour" name="accentColor" type="color" defaultValue={organization.brandAccentColor ?? "#14213d"} errors={result?.errors} />
              <Field label="Support email" name="supportEmail" type="email" defaultValue={organization.brandSupportEmail ?? ""} errors={result?.errors} />
              <Field label="Logo (PNG, JPEG or WebP, up to 512 KB)" name="logo" type="file" accept="image/png,image/jpeg,image/webp" errors={result?.errors} />
              {organization.brandLogoKey ? (
                <label>
                  <input type="checkbox" name="removeLogo" /> Remove the current logo
                </label>
              ) : null}
              <button type="submit" disabled={busy}>
                {busy ? "Saving…" : "Save branding"}
              </button>
            </Form>
          ) : (
            <p data-testid="branding-locked">
              White-label branding is part of Coursemint {TIERS.enterprise.name} licenses. <Link to="/pricing?feature=white_label">Upgrade to unlock it</Link>.
            </p>
          )}
        </div>
      ) : null}
    </section>
  );
}

const USAGE_SERIES: BarSeries[] = [
  { key: "valid", label: "Valid", className: "bar-available" },
  { key: "invalid", label: "Not valid", className: "bar-pending" },
];

function UsageChart({ days }: { days: { day: string; validations: number; valid: number; invalid: number }[] }) {
  const { viewer } = useFormat();
  const at = (day: string) => Date.parse(`${day}T12:00:00Z`);
  const label = (day: string) => formatDate(at(day), { ...viewer, timeZone: "UTC" });
  const short = new Intl.DateTimeFormat(viewer.locale, { month: "short", day: "numeric", timeZone: "UTC" });
  const total = days.reduce((sum, d) => sum + d.validations, 0);
  const busiest = days.reduce((a, d) => (d.validations > (a?.validations ?? -1) ? d : a), days[0]);
  const summary =
    total && busiest
      ? `${plural(total, "check", "checks", viewer.locale)} over ${days.length} days; busiest ${label(busiest.day)} with ${formatNumber(busiest.validations, viewer.locale)}.`
      : `No checks in the last ${days.length} days.`;
  return (
    <figure className="chart" data-testid="usage-chart">
      <StackedBarChart
        id="usage-chart"
        title={`License checks per day, last ${days.length} days`}
        summary={summary}
        series={USAGE_SERIES}
        rows={days.map((d) => ({
          key: d.day,
          tick: short.format(at(d.day)),
          title: `${label(d.day)}: ${plural(d.valid, "valid check", "valid checks", viewer.locale)}, ${formatNumber(d.invalid, viewer.locale)} not valid`,
          values: { valid: d.valid, invalid: d.invalid },
        }))}
        formatTick={(t) => formatNumber(t, viewer.locale)}
        yTitle="Checks"
        xTitle="Day (UTC)"
      />
      <ChartLegend series={USAGE_SERIES} />
    </figure>
  );
}

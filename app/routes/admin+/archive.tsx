import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import * as z from "zod";
import { When } from "~/components/when";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { ARCHIVED_TABLES, archivedDays, readArchive, RETENTION_POLICY, type ArchivedTable } from "~/modules/retention/retention.server";
import { readQuery } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Archive · Admin · Coursemint" }];

const TABLE_LABELS: Record<ArchivedTable, string> = {
  sessions: "Ended sessions",
  login_throttle: "Sign-in throttles",
  stripe_events: "Stripe events",
  email_data: "Sent emails' data",
  audit_log: "Audit log",
};
const days = (ms: number) => Math.round(ms / 86_400_000);
/** How long each table stays in the database before it moves here, in words (server side: the policy is server code). */
const kept = (): Record<ArchivedTable, string> => ({
  sessions: `Sessions stay in the database for ${days(RETENTION_POLICY.sessionsAfterEndMs)} days after they end.`,
  login_throttle: "Sign-in throttles stay a day after their window and lock are over.",
  stripe_events: `Handled Stripe events, with their payloads, stay ${days(RETENTION_POLICY.stripeEventsAfterMs)} days after they arrived (Stripe keeps events 30 days); failed ones stay until replayed.`,
  email_data: `A sent email keeps the data a resend needs for ${days(RETENTION_POLICY.emailDataAfterSentMs)} days; its delivery record stays in the database.`,
  audit_log: `Audit entries stay in the database, and in the audit log's filters, for ${days(RETENTION_POLICY.auditAfterMs)} days.`,
});
type ArchivedRow = Record<string, unknown> & { id: string };
const code = (v: unknown) => <code>{v == null ? "—" : String(v)}</code>;
const at = (v: unknown) => (v == null ? "—" : <When ms={Number(v)} as="dateTime" />);
/** What an archived row shows, per table (the whole row is in the archive object). */
const COLUMNS: Record<ArchivedTable, Array<{ head: string; cell: (r: ArchivedRow) => ReactNode }>> = {
  sessions: [
    { head: "Session", cell: (r) => code(r.id) },
    { head: "User", cell: (r) => code(r.userId) },
    { head: "Started", cell: (r) => at(r.createdAt) },
    { head: "Ended", cell: (r) => at(Math.min(Number(r.expiresAt), r.revokedAt == null ? Infinity : Number(r.revokedAt))) },
    { head: "How", cell: (r) => (r.revokedAt == null ? "Expired" : "Signed out or revoked") },
  ],
  login_throttle: [
    { head: "Key", cell: (r) => code(r.id) },
    { head: "Failures", cell: (r) => String(r.failures) },
    { head: "Window started", cell: (r) => at(r.windowStartedAt) },
  ],
  stripe_events: [
    { head: "Event", cell: (r) => code(r.id) },
    { head: "Type", cell: (r) => code(r.type) },
    { head: "Received", cell: (r) => at(r.receivedAt) },
    { head: "Outcome", cell: (r) => (r.status === "ignored" ? "Not ours to act on" : "Handled") },
    { head: "Object", cell: (r) => code((r.payload as { data?: { object?: { id?: string } } } | null)?.data?.object?.id) },
  ],
  email_data: [
    { head: "Email", cell: (r) => code(r.id) },
    { head: "To", cell: (r) => String(r.toAddress ?? "—") },
    { head: "Subject", cell: (r) => String(r.subject ?? "—") },
    { head: "Sent", cell: (r) => at(r.sentAt) },
    { head: "Data", cell: (r) => code(JSON.stringify(r.data)) },
  ],
  audit_log: [
    { head: "Entry", cell: (r) => code(r.id) },
    { head: "When", cell: (r) => at(r.createdAt) },
    { head: "Action", cell: (r) => code(r.action) },
    { head: "By", cell: (r) => code(r.actorId) },
    { head: "On", cell: (r) => code(`${String(r.targetType)} ${String(r.targetId)}`) },
    { head: "Details", cell: (r) => code(JSON.stringify(r.metadata)) },
  ],
};

const archiveQuerySchema = z.object({
  table: z.enum(ARCHIVED_TABLES).default("sessions"),
  day: z.iso.date().optional().or(z.literal("").transform(() => undefined)),
  q: z.string().trim().max(254).optional().transform((v) => v || undefined),
});

/** Rows that retention moved from D1 to R2 (docs/decisions/013-d1-capacity-and-retention.md), by table and UTC day. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:audit-log:any");
  const query = readQuery(app, request, archiveQuerySchema);
  const archived = await archivedDays(app, query.table);
  const day = query.day ?? archived[0] ?? null;
  const rows = day ? await readArchive(app, query.table, day) : [];
  const q = query.q?.toLowerCase();
  const shown = q ? rows.filter((r) => JSON.stringify(r).toLowerCase().includes(q)) : rows;
  // A Stripe event's payload is kilobytes; the page names its object (the archive keeps the whole event).
  const view = (r: (typeof rows)[number]) => (query.table === "stripe_events" ? { ...r, payload: { data: { object: { id: (r.payload as { data?: { object?: { id?: string } } })?.data?.object?.id } } } } : r);
  return { table: query.table, days: archived.slice(0, 60), day, q: query.q ?? "", total: rows.length, rows: shown.slice(0, 500).map(view), kept: kept()[query.table] };
}

export default function AdminArchive() {
  const { table, days, day, q, total, rows, kept } = useLoaderData<typeof loader>();
  return (
    <section className="stack">
      <h1>Archive</h1>
      <p>
        Rows past their retention are moved to storage once a day and deleted from the database. {kept}
      </p>
      <nav aria-label="Archived tables">
        {Object.entries(TABLE_LABELS).map(([name, label]) => (
          <Link key={name} to={`?table=${name}`} aria-current={name === table ? "page" : undefined} style={{ marginRight: "1rem" }}>
            {label}
          </Link>
        ))}
      </nav>
      {days.length === 0 ? (
        <p>Nothing has been archived from {TABLE_LABELS[table].toLowerCase()} yet.</p>
      ) : (
        <>
          <Form method="get" className="stack">
            <input type="hidden" name="table" value={table} />
            <label>
              Day (UTC)
              <select name="day" defaultValue={day ?? ""}>
                {days.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Find (id, user id, email, key, text)
              <input name="q" type="search" defaultValue={q} maxLength={254} />
            </label>
            <button type="submit">Show</button>
          </Form>
          <p>
            {rows.length === total ? `${total} archived rows on ${day}.` : `${rows.length} of ${total} archived rows on ${day} match.`}
          </p>
          <div style={{ overflowX: "auto" }}>
            <table>
              <caption>{TABLE_LABELS[table]} archived on {day}</caption>
              <thead>
                <tr>
                  {COLUMNS[table].map((c) => (
                    <th key={c.head}>{c.head}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    {COLUMNS[table].map((c) => (
                      <td key={c.head}>{c.cell(r)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import * as z from "zod";
import { When } from "~/components/when";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { archivedDays, readArchive, RETENTION_POLICY } from "~/modules/retention/retention.server";
import { readQuery } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Archive · Admin · Coursemint" }];

const TABLE_LABELS = { sessions: "Ended sessions", login_throttle: "Sign-in throttles" } as const;
const archiveQuerySchema = z.object({
  table: z.enum(["sessions", "login_throttle"]).default("sessions"),
  day: z.iso.date().optional().or(z.literal("").transform(() => undefined)),
  q: z.string().trim().max(254).optional().transform((v) => v || undefined),
});

/** Rows that retention moved from D1 to R2 (docs/decisions/013-d1-capacity-and-retention.md), by table and UTC day. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:audit-log:any");
  const query = readQuery(app, request, archiveQuerySchema);
  const days = await archivedDays(app, query.table);
  const day = query.day ?? days[0] ?? null;
  const rows = day ? await readArchive(app, query.table, day) : [];
  const q = query.q?.toLowerCase();
  const shown = q ? rows.filter((r) => Object.values(r).some((v) => typeof v === "string" && v.toLowerCase().includes(q))) : rows;
  return { table: query.table, days: days.slice(0, 60), day, q: query.q ?? "", total: rows.length, rows: shown.slice(0, 500), keptDays: RETENTION_POLICY.sessionsAfterEndMs / 86_400_000 };
}

export default function AdminArchive() {
  const { table, days, day, q, total, rows, keptDays } = useLoaderData<typeof loader>();
  return (
    <section className="stack">
      <h1>Archive</h1>
      <p>
        Rows past their retention are moved to storage once a day and deleted from the database. Sessions stay in the database for {keptDays} days after they end.
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
              Find (id, user id, key)
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
                <tr>{table === "sessions" ? <><th>Session</th><th>User</th><th>Started</th><th>Ended</th><th>How</th></> : <><th>Key</th><th>Failures</th><th>Window started</th></>}</tr>
              </thead>
              <tbody>
                {rows.map((r) =>
                  table === "sessions" ? (
                    <tr key={r.id}>
                      <td><code>{r.id}</code></td>
                      <td><code>{String(r.userId)}</code></td>
                      <td><When ms={Number(r.createdAt)} as="dateTime" /></td>
                      <td><When ms={Math.min(Number(r.expiresAt), r.revokedAt == null ? Infinity : Number(r.revokedAt))} as="dateTime" /></td>
                      <td>{r.revokedAt == null ? "Expired" : "Signed out or revoked"}</td>
                    </tr>
                  ) : (
                    <tr key={r.id}>
                      <td><code>{r.id}</code></td>
                      <td>{String(r.failures)}</td>
                      <td><When ms={Number(r.windowStartedAt)} as="dateTime" /></td>
                    </tr>
                  ),
                )}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

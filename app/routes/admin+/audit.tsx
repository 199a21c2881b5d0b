import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { History } from "~/components/history";
import { When } from "~/components/when";
import { auditFilterSchema, listAudit } from "~/modules/audit/audit.server";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { readQuery } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Audit log · Admin · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:audit-log:any");
  const filter = readQuery(app, request, auditFilterSchema);
  return listAudit(app, filter);
}

export default function AdminAudit() {
  const { items, nextCursor } = useLoaderData<typeof loader>();
  return (
    <section className="stack">
      <h1>Audit log</h1>
      <p>
        <Link to="/admin/users">Users</Link>
      </p>
      <History
        filters={[
          { name: "action", label: "Action", type: "text", hint: "For example user.role_changed" },
          { name: "actorId", label: "Actor id", type: "text" },
          { name: "targetId", label: "Target id", type: "text" },
          { name: "from", label: "From", type: "date" },
          { name: "to", label: "To", type: "date" },
        ]}
        rows={items}
        rowKey={(e) => e.id}
        caption="Audit log entries"
        columns={[
          { label: "When", cell: (e) => <When ms={e.createdAt} as="dateTime" /> },
          { label: "Actor", cell: (e) => (e.actorId ? <code>{e.actorId}</code> : "System") },
          { label: "Action", cell: (e) => <span title={e.action}>{actionLabel(e.action)}</span> },
          {
            label: "Target",
            cell: (e) => (
              <span>
                {e.targetType} <code>{e.targetId}</code>
              </span>
            ),
          },
          { label: "Details", cell: (e) => <Details metadata={e.metadata} /> },
          { label: "Request", cell: (e) => <code>{e.requestId}</code> },
        ]}
        empty={{ title: "No entries yet", body: "Sensitive actions (refunds, role changes, license actions, payouts) are recorded here." }}
        nextCursor={nextCursor}
      />
    </section>
  );
}

/** "user.role_changed" → "User role changed" (the raw action stays in the title). */
function actionLabel(action: string) {
  const words = action.replace(/[._:]+/g, " ").trim();
  return words[0]!.toUpperCase() + words.slice(1);
}

/** Metadata as "key: value" pairs instead of raw JSON. */
function Details({ metadata }: { metadata: unknown }) {
  if (!metadata || typeof metadata !== "object" || Object.keys(metadata).length === 0) return <span className="muted">None</span>;
  return (
    <span>
      {Object.entries(metadata as Record<string, unknown>).map(([k, v], i) => (
        <span key={k}>
          {i > 0 ? "; " : ""}
          {k.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase()}: <code>{typeof v === "string" ? v : JSON.stringify(v)}</code>
        </span>
      ))}
    </span>
  );
}

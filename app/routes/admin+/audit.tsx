import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { Fragment } from "react";
import { AuditSentence } from "~/components/audit-sentence";
import { History } from "~/components/history";
import { When } from "~/components/when";
import { auditFilterSchema, listAuditSentences } from "~/modules/audit/audit.server";
import { actionLabel, AUDIT_ACTION_OPTIONS } from "~/modules/audit/sentences";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { readQuery } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Audit log · Admin · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:audit-log:any");
  const filter = readQuery(app, request, auditFilterSchema);
  const { items, nextCursor } = await listAuditSentences(app, filter);
  // A filter on an action the list does not name (an old link, a retired action) stays selectable.
  const options = filter.action && !AUDIT_ACTION_OPTIONS.some(([a]) => a === filter.action) ? [...AUDIT_ACTION_OPTIONS, [filter.action, actionLabel(filter.action)] as const] : AUDIT_ACTION_OPTIONS;
  return {
    options,
    nextCursor,
    items: items.map((e) => ({ id: e.id, createdAt: e.createdAt, action: e.action, label: actionLabel(e.action), sentence: e.sentence, details: e.details, requestId: e.requestId })),
  };
}

export default function AdminAudit() {
  const { items, nextCursor, options } = useLoaderData<typeof loader>();
  return (
    <section className="stack">
      <h1>Audit log</h1>
      <p>
        <Link to="/admin/users">Users</Link>
      </p>
      <History
        filters={[
          { name: "action", label: "Action", type: "select", options, anyLabel: "Any action" },
          { name: "actorId", label: "Done by (user id)", type: "text" },
          { name: "targetId", label: "About (id)", type: "text", hint: "A user, payment, licence or organization id" },
          { name: "from", label: "From", type: "date" },
          { name: "to", label: "To", type: "date" },
        ]}
        rows={items}
        rowKey={(e) => e.id}
        caption="Audit log entries"
        testId="audit-log"
        columns={[
          { label: "When", cell: (e) => <When ms={e.createdAt} as="dateTime" /> },
          {
            label: "What happened",
            cell: (e) => (
              <div className="stack">
                <span data-testid="audit-sentence">
                  <AuditSentence parts={e.sentence} />.
                </span>
                {e.details.length ? (
                  <dl className="facts">
                    {e.details.map((d) => (
                      <Fragment key={d.label}>
                        <dt>{d.label}</dt>
                        <dd>
                          <AuditSentence parts={d.value} />
                        </dd>
                      </Fragment>
                    ))}
                  </dl>
                ) : null}
              </div>
            ),
          },
          { label: "Action", cell: (e) => <span title={e.action}>{e.label}</span> },
          { label: "Request", cell: (e) => <code>{e.requestId}</code> },
        ]}
        empty={{ title: "No entries yet", body: "Sensitive actions (refunds, role changes, license actions, payouts) are recorded here." }}
        nextCursor={nextCursor}
      />
    </section>
  );
}

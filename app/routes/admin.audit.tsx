import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { NextPageLink } from "~/components/pagination";
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
  const [params] = useSearchParams();
  return (
    <section className="stack">
      <h1>Audit log</h1>
      <p>
        <Link to="/admin/users">Users</Link>
      </p>
      <Form method="get" className="inline-form">
        <label>
          Action <input name="action" placeholder="user.role_changed" defaultValue={params.get("action") ?? ""} />
        </label>
        <label>
          Actor id <input name="actorId" defaultValue={params.get("actorId") ?? ""} />
        </label>
        <label>
          Target id <input name="targetId" defaultValue={params.get("targetId") ?? ""} />
        </label>
        <label>
          From <input type="date" name="from" defaultValue={params.get("from") ?? ""} />
        </label>
        <label>
          To <input type="date" name="to" defaultValue={params.get("to") ?? ""} />
        </label>
        <button type="submit">Filter</button>
      </Form>
      <table>
        <thead>
          <tr>
            <th>When (UTC)</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Target</th>
            <th>Details</th>
            <th>Request</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id}>
              <td>{new Date(e.createdAt).toISOString().replace("T", " ").slice(0, 19)}</td>
              <td>
                <code>{e.actorId ?? "system"}</code>
              </td>
              <td>{e.action}</td>
              <td>
                {e.targetType} <code>{e.targetId}</code>
              </td>
              <td>
                <code>{JSON.stringify(e.metadata)}</code>
              </td>
              <td>
                <code>{e.requestId}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {items.length === 0 ? <p className="muted">No entries match.</p> : null}
      <NextPageLink cursor={nextCursor}>Older entries →</NextPageLink>
    </section>
  );
}

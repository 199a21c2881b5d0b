import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { History } from "~/components/history";
import { roleLabel } from "~/components/status";
import * as z from "zod";
import { CsrfInput, FormStatus } from "~/components/forms";
import { changeRole, requireUserWithPermission } from "~/modules/auth/auth.server";
import { ROLES } from "~/modules/auth/permissions";
import { roleChangeSchema, searchUsers, userSearchSchema } from "~/modules/auth/users.server";
import { parseOrThrow } from "~/utils/errors";
import { formError, keptValues, readForm, readQuery, type FormResult } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Users · Admin · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const admin = await requireUserWithPermission(app, request, "read:user:any");
  const filter = readQuery(app, request, userSearchSchema);
  return { adminId: admin.id, ...(await searchUsers(app, filter)) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const admin = await requireUserWithPermission(app, request, "update:role:any");
  try {
    const input = parseOrThrow(z.object({ ...roleChangeSchema.shape, userId: z.string().min(1).max(64) }), Object.fromEntries(form));
    const user = await changeRole(app, admin, input.userId, input.role);
    const label = roleLabel(user.role).toLowerCase();
    return data<FormResult>({ ok: `${user.email} is now ${/^[aeiou]/.test(label) ? "an" : "a"} ${label}.` });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function AdminUsers() {
  const { items, nextCursor, adminId } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  return (
    <section className="stack">
      <h1>Users</h1>
      <p>
        <Link to="/admin/audit">Audit log</Link>
      </p>
      <FormStatus result={result} />
      <History
        filters={[
          { name: "q", label: "Email contains", type: "text" },
          { name: "role", label: "Role", type: "select", options: ROLES.map((r) => [r, roleLabel(r)] as const) },
        ]}
        rows={items}
        rowKey={(u) => u.id}
        caption="Users"
        columns={[
          { label: "Name", cell: (u) => u.name },
          { label: "Email", cell: (u) => u.email },
          {
            label: "Role",
            cell: (u) => (
              <Form method="post" className="inline-form">
                <CsrfInput />
                <input type="hidden" name="userId" value={u.id} />
                <select name="role" defaultValue={u.role} aria-label={`Role of ${u.email}`} disabled={u.id === adminId}>
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {roleLabel(r)}
                    </option>
                  ))}
                </select>
                <button type="submit" className="small" disabled={u.id === adminId} aria-label={u.id === adminId ? "Save (you cannot change your own role)" : `Save role of ${u.email}`}>
                  Save
                </button>
              </Form>
            ),
          },
        ]}
        empty={{ title: "No users yet" }}
        nextCursor={nextCursor}
        nextLabel="Next page →"
      />
    </section>
  );
}

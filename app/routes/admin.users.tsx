import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { NextPageLink } from "~/components/pagination";
import { z } from "zod";
import { CsrfInput, FormStatus } from "~/components/forms";
import { changeRole, requireUserWithPermission } from "~/modules/auth/auth.server";
import { ROLES } from "~/modules/auth/permissions";
import { roleChangeSchema, searchUsers, userSearchSchema } from "~/modules/auth/users.server";
import { parseOrThrow } from "~/utils/errors";
import { formError, keptValues, parseQuery, readForm, readQuery, type FormResult } from "~/utils/forms.server";

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
    return data<FormResult>({ ok: `${user.email} is now ${user.role}.` });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function AdminUsers() {
  const { items, nextCursor, adminId } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  const [params] = useSearchParams();
  return (
    <section className="stack">
      <h1>Users</h1>
      <p>
        <Link to="/admin/audit">Audit log</Link>
      </p>
      <FormStatus result={result} />
      <Form method="get" className="inline-form">
        <label>
          Email contains <input name="q" defaultValue={params.get("q") ?? ""} />
        </label>
        <label>
          Role{" "}
          <select name="role" defaultValue={params.get("role") ?? ""}>
            <option value="">Any</option>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </Form>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
          </tr>
        </thead>
        <tbody>
          {items.map((u) => (
            <tr key={u.id}>
              <td>{u.name}</td>
              <td>{u.email}</td>
              <td>
                <Form method="post" className="inline-form">
                  <CsrfInput />
                  <input type="hidden" name="userId" value={u.id} />
                  <select name="role" defaultValue={u.role} aria-label={`Role of ${u.email}`} disabled={u.id === adminId}>
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                  <button type="submit" className="small" disabled={u.id === adminId}>
                    Save
                  </button>
                </Form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <NextPageLink cursor={nextCursor}>Next page →</NextPageLink>
    </section>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { NextPageLink } from "~/components/pagination";
import { z } from "zod";
import { CsrfInput, FormStatus } from "~/components/forms";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { emailFilterSchema, listEmails, resendEmail } from "~/modules/email/email.server";
import { parseOrThrow } from "~/utils/errors";
import { formError, keptValues, parseQuery, readForm, readQuery, type FormResult } from "~/utils/forms.server";
import { EMAIL_STATUSES } from "~drizzle/schema/email-enums";

export const meta: MetaFunction = () => [{ title: "Emails · Admin · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:email:any");
  return listEmails(app, readQuery(app, request, emailFilterSchema));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const admin = await requireUserWithPermission(app, request, "update:email:any");
  try {
    const input = parseOrThrow(z.object({ emailId: z.string().min(1).max(64) }), Object.fromEntries(form));
    await resendEmail(app, admin, input.emailId);
    return data<FormResult>({ ok: "The email is queued again." });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

const when = (ms: number | null) => (ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 16) : "—");

export default function AdminEmails() {
  const { items, nextCursor } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  const [params] = useSearchParams();
  return (
    <section className="stack">
      <h1>Emails</h1>
      <p className="muted">
        Every transactional email with its delivery status. Failed emails (the provider kept failing, or refused
        them) can be resent; rejected ones were invalid and need a fix in the code that sent them. Times are UTC.
      </p>
      <FormStatus result={result} />
      <Form method="get" className="inline-form">
        <label>
          Status{" "}
          <select name="status" defaultValue={params.get("status") ?? ""}>
            <option value="">Any</option>
            {EMAIL_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Recipient <input name="to" type="email" defaultValue={params.get("to") ?? ""} />
        </label>
        <button type="submit">Filter</button>
      </Form>
      <table>
        <thead>
          <tr>
            <th>Created</th>
            <th>Template</th>
            <th>To</th>
            <th>Status</th>
            <th>Attempts</th>
            <th>Last error</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id} data-email-id={e.id}>
              <td>{when(e.createdAt)}</td>
              <td>
                <code>{e.template ?? "—"}</code>
              </td>
              <td>{e.toAddress ?? "—"}</td>
              <td>
                <span className={`status status-${e.status}`}>{e.status}</span>
                {e.sentAt ? <div className="muted">{when(e.sentAt)}</div> : null}
              </td>
              <td>{e.attempts}</td>
              <td className="muted">{e.lastError ?? ""}</td>
              <td>
                {e.status === "failed" ? (
                  <Form method="post" className="inline">
                    <CsrfInput />
                    <input type="hidden" name="emailId" value={e.id} />
                    <button type="submit" className="small">
                      Resend
                    </button>
                  </Form>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {items.length === 0 ? <p>No emails match.</p> : null}
      <NextPageLink cursor={nextCursor}>Next page →</NextPageLink>
    </section>
  );
}

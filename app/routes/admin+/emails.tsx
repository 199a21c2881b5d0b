import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { History } from "~/components/history";
import { StatusBadge, statusLabel } from "~/components/status";
import { When } from "~/components/when";
import * as z from "zod";
import { CsrfInput, FormStatus } from "~/components/forms";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { emailFilterSchema, listEmails, resendEmail } from "~/modules/email/email.server";
import { parseOrThrow } from "~/utils/errors";
import { formError, keptValues, readForm, readQuery, type FormResult } from "~/utils/forms.server";
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


export default function AdminEmails() {
  const { items, nextCursor } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  return (
    <section className="stack">
      <h1>Emails</h1>
      <p className="muted">
        Every transactional email with its delivery status. Failed emails (the provider kept failing, or refused
        them) can be resent; rejected ones were invalid and need a fix in the code that sent them.
      </p>
      <FormStatus result={result} />
      <History
        filters={[
          { name: "status", label: "Status", type: "select", options: EMAIL_STATUSES.map((v) => [v, statusLabel("email", v)] as const) },
          { name: "to", label: "Recipient", type: "email" },
        ]}
        rows={items}
        rowKey={(e) => e.id}
        rowProps={(e) => ({ "data-email-id": e.id }) as React.HTMLAttributes<HTMLTableRowElement>}
        caption="Emails"
        columns={[
          { label: "Created", cell: (e) => <When ms={e.createdAt} as="dateTime" /> },
          // The subject the recipient saw; an email rejected before rendering has none, so say what it was.
          { label: "Email", cell: (e) => e.subject ?? (e.template ? `Not sent (template “${e.template}”)` : "Not sent (no template named)") },
          { label: "To", cell: (e) => e.toAddress ?? "Unknown" },
          {
            label: "Status",
            cell: (e) => (
              <span>
                <StatusBadge kind="email" status={e.status} />
                {e.sentAt ? (
                  <span className="muted">
                    {" "}
                    <When ms={e.sentAt} as="relative" />
                  </span>
                ) : null}
              </span>
            ),
          },
          { label: "Attempts", className: "num", cell: (e) => e.attempts },
          { label: "Last error", cell: (e) => <span className="muted">{e.lastError ?? "None"}</span> },
          {
            label: "",
            className: "actions",
            cell: (e) =>
              e.status === "failed" ? (
                <Form method="post" className="inline">
                  <CsrfInput />
                  <input type="hidden" name="emailId" value={e.id} />
                  <button type="submit" className="small" aria-label={`Resend “${e.subject ?? e.template ?? "email"}” to ${e.toAddress ?? "recipient"}`}>
                    Resend
                  </button>
                </Form>
              ) : null,
          },
        ]}
        empty={{ title: "No emails yet", body: "Receipts and notices appear here as they are sent." }}
        nextCursor={nextCursor}
        nextLabel="Next page →"
      />
    </section>
  );
}

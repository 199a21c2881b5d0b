import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireMailboxAccess, listOutbox, mailboxFilterSchema } from "~/modules/email/email.server";

export const meta: MetaFunction = () => [{ title: "Mailbox · Development · Coursemint" }];

/** The local outbox (EMAIL_PROVIDER=outbox): every email the app "sent", newest first. Never in production. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireMailboxAccess(app, request);
  const parsed = mailboxFilterSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) throw new Response("Bad Request", { status: 400 });
  const filter = parsed.data;
  return { items: await listOutbox(app, filter), provider: app.config.EMAIL_PROVIDER };
}

export default function DevMailbox() {
  const { items, provider } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <section className="stack">
      <h1>Development mailbox</h1>
      <p className="muted">
        Emails delivered to the local outbox (provider: <code>{provider}</code>). This page does not exist in production.
      </p>
      <Form method="get" className="inline-form">
        <label>
          Recipient <input name="to" type="email" defaultValue={params.get("to") ?? ""} placeholder="learner@example.com" />
        </label>
        <button type="submit">Filter</button>
        {params.get("to") ? <Link to="/dev/mailbox">Show all</Link> : null}
      </Form>
      {items.length === 0 ? (
        <p>No emails yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Received (UTC)</th>
              <th>To</th>
              <th>Subject</th>
              <th>Template</th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.id}>
                <td>{new Date(m.createdAt).toISOString().replace("T", " ").slice(0, 19)}</td>
                <td>{m.toAddress}</td>
                <td>
                  <Link to={`/dev/mailbox/${m.emailId}`}>{m.subject}</Link>
                </td>
                <td>
                  <code>{m.template}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData, useLocation } from "@remix-run/react";
import { History } from "~/components/history";
import { When } from "~/components/when";
import { countUndelivered, requireMailboxAccess, listOutbox, mailboxFilterSchema } from "~/modules/email/email.server";

export const meta: MetaFunction = () => [{ title: "Mailbox · Development · Coursemint" }];

/** The local outbox (EMAIL_PROVIDER=outbox): every email the app "sent", newest first. Never in production. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireMailboxAccess(app, request);
  const parsed = mailboxFilterSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) throw new Response("Bad Request", { status: 400 });
  const filter = parsed.data;
  const [items, onTheirWay] = await Promise.all([listOutbox(app, filter), countUndelivered(app, filter.to)]);
  return { items, onTheirWay, provider: app.config.EMAIL_PROVIDER };
}

export default function DevMailbox() {
  const { items, onTheirWay, provider } = useLoaderData<typeof loader>();
  const here = useLocation();
  const refresh = <Link to={here.pathname + here.search}>Refresh</Link>;
  return (
    <section className="stack">
      <h1>Development mailbox</h1>
      <p className="muted">
        Emails delivered to the local outbox (provider: <code>{provider}</code>). This page does not exist in production.
      </p>
      {onTheirWay > 0 ? (
        <p className="alert info" role="status">
          {onTheirWay === 1 ? "1 email is on its way" : `${onTheirWay} emails are on their way`} (being delivered, or waiting to retry after a failed attempt).{" "}
          {refresh} to see {onTheirWay === 1 ? "it" : "them"}.
        </p>
      ) : null}
      <History
        filters={[{ name: "to", label: "Recipient", type: "email" }]}
        rows={items}
        rowKey={(m) => m.id}
        caption="Emails in the local outbox"
        columns={[
          { label: "Received", cell: (m) => <When ms={m.createdAt} as="dateTime" /> },
          { label: "To", cell: (m) => m.toAddress },
          { label: "Subject", cell: (m) => <Link to={`/dev/mailbox/${m.emailId}`}>{m.subject}</Link> },
          { label: "Template", cell: (m) => <code>{m.template}</code> },
        ]}
        empty={{
          title: "No emails yet",
          body: "Sign up or buy a course and its email lands here. Emails go through a queue and arrive a second or two after they are sent: if you just did something, refresh.",
          action: refresh,
        }}
      />
    </section>
  );
}

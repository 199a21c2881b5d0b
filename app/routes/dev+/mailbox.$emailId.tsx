import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { requireMailboxAccess, getOutboxEmail } from "~/modules/email/email.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.email.subject ?? "Email"} · Mailbox · Coursemint` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireMailboxAccess(app, request);
  const email = await getOutboxEmail(app, params.emailId ?? "");
  if (!email) throw new Response("Not Found", { status: 404 });
  return { email };
}

/** One email as the recipient sees it: the HTML in a sandboxed frame, and the plain-text part. */
export default function DevMailboxEmail() {
  const { email } = useLoaderData<typeof loader>();
  return (
    <section className="stack">
      <p>
        <Link to="/dev/mailbox">← Mailbox</Link>
      </p>
      <h1>{email.subject}</h1>
      <dl className="facts">
        <dt>From</dt>
        <dd>{email.fromAddress}</dd>
        <dt>To</dt>
        <dd>{email.toAddress}</dd>
        <dt>Date</dt>
        <dd>{new Date(email.createdAt).toUTCString()}</dd>
        <dt>Template</dt>
        <dd>
          <code>{email.template}</code>
        </dd>
      </dl>
      <h2>HTML</h2>
      <p>
        <a href={`/dev/mailbox/${email.emailId}/html`} target="_blank" rel="noreferrer">
          Open the HTML on its own
        </a>
      </p>
      <iframe
        title="HTML version"
        src={`/dev/mailbox/${email.emailId}/html`}
        sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
        className="email-frame"
      />
      <h2>Plain text</h2>
      <pre className="email-text" data-testid="email-text">
        {email.text}
      </pre>
    </section>
  );
}

import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { CsrfInput, FormStatus } from "~/components/forms";
import { SubmitButton } from "~/components/submit-button";
import { When } from "~/components/when";
import { getUser } from "~/modules/auth/auth.server";
import { acceptInvitation, findInvitation } from "~/modules/licensing/invitations.server";
import { setFlash } from "~/utils/flash.server";
import { formError, readForm, type FormResult } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Invitation · Coursemint" }];

/** The link is a secret: never stored by a browser or shared cache. */
export const headers: HeadersFunction = () => ({ "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer" });

const STATUS = { pending: 200, expired: 410, revoked: 410, accepted: 410 } as const;

/**
 * GET /enterprise/invitations/:token shows the invitation and what to do (log in, sign up, or
 * accept); it changes nothing, so mail scanners that open links do not use it up. The POST accepts.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const [found, user] = await Promise.all([findInvitation(app, params.token ?? ""), getUser(app, request)]);
  if (!found) return data({ invitation: null, viewer: null }, { status: 404 });
  const { invitation, organizationName, inviterName, state } = found;
  const path = new URL(request.url).pathname;
  return data(
    {
      invitation: { email: invitation.email, role: invitation.role, expiresAt: invitation.expiresAt, organizationName, inviterName, state, path },
      viewer: user ? { email: user.email, name: user.name, isInvited: user.email.toLowerCase() === invitation.email, alreadyAccepted: state === "accepted" && invitation.acceptedBy === user.id } : null,
    },
    { status: user && state === "accepted" && invitation.acceptedBy === user.id ? 200 : STATUS[state] },
  );
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  await readForm(app, request); // checks the CSRF token
  const user = await getUser(app, request);
  if (!user) throw redirect(`/login?redirectTo=${encodeURIComponent(new URL(request.url).pathname)}`);
  try {
    const result = await acceptInvitation(app, user, params.token ?? "");
    const notice = result.joined ? "invitation_accepted" : "invitation_already_member";
    throw redirect(`/enterprise?organizationId=${result.organizationId}`, { headers: { "Set-Cookie": setFlash(app, notice, "/enterprise") } });
  } catch (error) {
    if (error instanceof Response) throw error;
    return formError(app, error, {});
  }
}

export default function InvitationPage() {
  const { invitation, viewer } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  if (!invitation) {
    return (
      <section className="narrow stack">
        <h1>Invitation not found</h1>
        <p>This link does not match an invitation. Check that you opened the whole link from the email, or ask the person who invited you to send it again.</p>
      </section>
    );
  }
  const { organizationName, inviterName, state, path } = invitation;
  const login = `/login?redirectTo=${encodeURIComponent(path)}`;
  const signup = `/signup?redirectTo=${encodeURIComponent(path)}&email=${encodeURIComponent(invitation.email)}`;
  if (viewer?.alreadyAccepted) {
    return (
      <section className="narrow stack" data-testid="invitation-used">
        <h1>You're a member of {organizationName}</h1>
        <p>You accepted this invitation already.</p>
        <p>
          <Link className="button" to="/enterprise">
            Go to {organizationName}
          </Link>
        </p>
      </section>
    );
  }
  if (state !== "pending") {
    return (
      <section className="narrow stack" data-testid={`invitation-${state}`}>
        <h1>{state === "expired" ? "This invitation has expired" : state === "revoked" ? "This invitation was withdrawn" : "This invitation was already used"}</h1>
        <p>
          {state === "expired"
            ? `Invitations work for 7 days. Ask ${inviterName ?? "an administrator"} of ${organizationName} to send it again.`
            : state === "revoked"
              ? `An administrator of ${organizationName} withdrew it. Ask them for a new one if you should have access.`
              : `Each link works once. If it was you, log in; otherwise ask an administrator of ${organizationName} for a new invitation.`}
        </p>
      </section>
    );
  }
  return (
    <section className="narrow stack" data-testid="invitation">
      <h1>Join {organizationName}</h1>
      <p>
        {inviterName ?? "An administrator"} invited <strong>{invitation.email}</strong> to join {organizationName} as {invitation.role === "admin" ? "an admin" : "a member"}.
        Members get the organization's plan: member prices on courses, certificates and offline downloads.
      </p>
      <p className="muted">
        The link works once, until <When ms={invitation.expiresAt} as="dateTime" />.
      </p>
      <FormStatus result={result} />
      {viewer?.isInvited ? (
        <Form method="post" className="stack">
          <CsrfInput />
          <SubmitButton pendingText="Joining…">Accept and join {organizationName}</SubmitButton>
        </Form>
      ) : viewer ? (
        <p className="alert error" role="alert" data-testid="invitation-wrong-account">
          You are logged in as {viewer.email}, but this invitation is for {invitation.email}. Log out, then log in or sign up with {invitation.email} to accept it.
        </p>
      ) : (
        <div className="stack">
          <p>
            <Link className="button" to={signup}>
              Create an account for {invitation.email}
            </Link>
          </p>
          <p>
            Already have an account with this address? <Link to={login}>Log in to accept</Link>.
          </p>
        </div>
      )}
    </section>
  );
}

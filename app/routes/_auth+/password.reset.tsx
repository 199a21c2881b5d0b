import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { CsrfInput, Field, FormError } from "~/components/forms";
import { SubmitButton } from "~/components/submit-button";
import { inspectPasswordResetLink, resetPassword, type PasswordResetLinkState } from "~/modules/auth/password-reset.server";
import type { FieldErrors } from "~/utils/errors";
import { readForm } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Choose a new password · Coursemint" }];

/** The page shows the account's address and carries the link's token: never stored by a browser or shared cache. */
export const headers: HeadersFunction = () => ({ "Cache-Control": "private, no-store" });

/** Where the user lands, signed in, after choosing a new password. */
const DONE_PATH = "/account?password=changed";

type Problem = Exclude<PasswordResetLinkState["status"], "valid">;
const STATUS: Record<Problem, number> = { unknown: 404, expired: 410, used: 410, revoked: 410 };

/**
 * GET /password/reset?token=… shows the form; it changes nothing, so mail scanners and link
 * previews that open the link do not use it up. The POST changes the password.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get("token");
  const state = await inspectPasswordResetLink(context.app, token);
  return data({ state, token: state.status === "valid" ? token! : "" }, { status: state.status === "valid" ? 200 : STATUS[state.status] });
}

type ActionResult = { status: Problem } | { status: "invalid"; errors: FieldErrors; state: PasswordResetLinkState; token: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const result = await resetPassword(app, Object.fromEntries(form), request.headers.get("User-Agent"));
  if (result.status === "reset") return redirect(DONE_PATH, { headers: { "Set-Cookie": result.setCookie } });
  if (result.status === "invalid") {
    // The form again with its errors (never the passwords), whatever the address the form was posted to.
    app.logger.info("form.rejected", { code: "validation_failed", fields: Object.keys(result.errors) });
    return data<ActionResult>({ status: "invalid", errors: result.errors, state: result.link, token: String(form.get("token")) }, { status: 400 });
  }
  return data<ActionResult>({ status: result.status }, { status: STATUS[result.status] });
}

export default function ResetPassword() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<ActionResult>();
  const { state, token } = result?.status === "invalid" ? result : loaded;
  const errors = result?.status === "invalid" ? result.errors : undefined;
  const problem = result && result.status !== "invalid" ? result.status : state.status === "valid" ? undefined : state.status;
  if (problem || state.status !== "valid") return <LinkProblem status={problem ?? "unknown"} />;
  return (
    <section className="narrow stack">
      <h1>Choose a new password</h1>
      <p>
        For your Coursemint account <strong>{state.email}</strong>. Saving it signs out every device signed in to your account and signs you in here.
      </p>
      <Form method="post" noValidate className="stack">
        <CsrfInput />
        <FormError errors={errors} />
        <input type="hidden" name="token" value={token} />
        <Field
          label="New password (10+ characters, letters and a number)"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          errors={errors}
        />
        <Field label="Type the new password again" name="confirmPassword" type="password" autoComplete="new-password" required errors={errors} />
        <SubmitButton pendingText="Saving…">Save my new password</SubmitButton>
      </Form>
    </section>
  );
}

function LinkProblem({ status }: { status: Problem }) {
  const copy = {
    unknown: ["This link doesn't work", "The password reset link is incomplete or unknown. Copy the whole link from the email, or ask for a new one."],
    expired: ["This link has expired", "Password reset links work for one hour. Ask for a new one and use it within the hour."],
    used: ["This link has already been used", "The password was changed with this link. Log in with the new password, or ask for a new link if you need to change it again."],
    revoked: ["This link no longer works", "The password was changed with another reset link, which ended this one. Log in with the new password, or ask for a new link."],
  }[status];
  return (
    <section className="narrow stack" data-testid={`reset-link-${status}`}>
      <h1>{copy[0]}</h1>
      <p role="alert">{copy[1]}</p>
      <p>
        <Link to="/password/forgot">Ask for a new link</Link> · <Link to="/login">Log in</Link>
      </p>
    </section>
  );
}

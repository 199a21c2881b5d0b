import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { CsrfInput, Field } from "~/components/forms";
import { SubmitButton } from "~/components/submit-button";
import { createSession } from "~/modules/auth/session.server";
import { confirmSignup, inspectSignupLink, type SignupLinkState } from "~/modules/auth/signup.server";
import { readForm } from "~/utils/forms.server";
import { safeRedirect } from "~/utils/redirect";

export const meta: MetaFunction = () => [{ title: "Confirm your email · Coursemint" }];

/** The page shows the pending address and name: never stored by a browser or shared cache. */
export const headers: HeadersFunction = () => ({ "Cache-Control": "private, no-store" });

/** Where a new account lands after confirming, unless the sign-up named where it was going (`next`). */
const WELCOME_PATH = "/learning?welcome=1";

const STATUS: Record<Exclude<SignupLinkState["status"], "valid">, number> = { unknown: 404, expired: 410, used: 410, account_exists: 409 };
const WRONG_PASSWORD = "Enter the password you chose when you signed up.";

/**
 * GET /signup/confirm?token=… shows what the link will do and a button; it changes nothing, so
 * mail scanners and link previews that open the link do not use it up. The POST confirms.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const state = await inspectSignupLink(context.app, new URL(request.url).searchParams.get("token"));
  const url = new URL(request.url);
  const token = state.status === "valid" ? url.searchParams.get("token")! : "";
  const next = safeRedirect(url.searchParams.get("next"), "");
  return data({ state, token, next }, { status: state.status === "valid" ? 200 : STATUS[state.status] });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const result = await confirmSignup(app, form.get("token"), form.get("password"));
  if (result.status === "wrong_password") return data({ status: "valid" as const, errors: { password: [WRONG_PASSWORD] } }, { status: 400 });
  if (result.status !== "created") return data({ status: result.status, errors: undefined }, { status: STATUS[result.status] });
  const session = await createSession(app, result.user.id, request.headers.get("User-Agent"));
  return redirect(safeRedirect(form.get("next"), WELCOME_PATH), { headers: { "Set-Cookie": session.setCookie } });
}

export default function ConfirmSignup() {
  const { state, token, next } = useLoaderData<typeof loader>();
  const failed = useActionData<typeof action>();
  const status = failed?.status ?? state.status;
  if (status === "valid" && state.status === "valid") {
    return (
      <section className="narrow stack">
        <h1>Confirm your email</h1>
        <p>
          Create the Coursemint account for <strong>{state.email}</strong> (name: {state.name})?
        </p>
        <Form method="post" className="stack">
          <CsrfInput />
          <input type="hidden" name="token" value={token} />
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <Field label="Your password (the one you chose when signing up)" name="password" type="password" autoComplete="current-password" required errors={failed?.errors} />
          <SubmitButton pendingText="Creating your account…">Confirm and create my account</SubmitButton>
        </Form>
        <p>If you didn't sign up for Coursemint, close this page: nothing happens unless the password chosen at sign-up is entered.</p>
      </section>
    );
  }
  return <LinkProblem status={status as keyof typeof STATUS} />;
}

function LinkProblem({ status }: { status: keyof typeof STATUS }) {
  const copy = {
    unknown: ["This link doesn't work", "The confirmation link is incomplete or unknown. Copy the whole link from the email, or sign up again to get a new one."],
    expired: ["This link has expired", "Confirmation links work for 24 hours. Sign up again and we'll send you a new one."],
    used: ["This link has already been used", "Your account has been created. Log in with the email and password you chose."],
    account_exists: ["You already have an account", "An account with this email address already exists. Log in with it instead."],
  }[status];
  return (
    <section className="narrow stack" data-testid={`signup-link-${status}`}>
      <h1>{copy[0]}</h1>
      <p role="alert">{copy[1]}</p>
      <p>
        <Link to="/login">Log in</Link> · <Link to="/signup">Sign up again</Link>
      </p>
    </section>
  );
}

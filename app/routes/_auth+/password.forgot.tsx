import type { ActionFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData } from "@remix-run/react";
import { CsrfInput, Field, FormError } from "~/components/forms";
import { SubmitButton } from "~/components/submit-button";
import { clientIp } from "~/modules/auth/auth.server";
import { PASSWORD_RESET_LIMIT, requestPasswordReset } from "~/modules/auth/password-reset.server";
import { formError, keptValues, readForm, retryAfterHeaders, type FormResult } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Reset your password · Coursemint" }];

export const headers = retryAfterHeaders;

type ForgotResult = FormResult & { sentTo?: string; limit?: number };

/**
 * Always the same answer for a valid address, whether or not it has an account (and whether or not
 * its hourly limit of links is reached): "if an account exists, we sent a link". Open to signed-in
 * users too: the account page's "change password" needs the current one, and they may have forgotten it.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  try {
    const { email } = await requestPasswordReset(app, Object.fromEntries(form), clientIp(request));
    return data<ForgotResult>({ sentTo: email, limit: PASSWORD_RESET_LIMIT });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function ForgotPassword() {
  const result = useActionData<ForgotResult>();
  if (result?.sentTo) {
    return (
      <section className="narrow stack" data-testid="reset-sent">
        <h1>Check your inbox</h1>
        <p role="status">
          If an account exists for <strong>{result.sentTo}</strong>, we sent it a link to choose a new password. The link works once, for one hour.
        </p>
        <p>
          Nothing there after a few minutes? Check your spam folder, or <Link to="/password/forgot">ask again</Link>.{" "}
          {`To protect your inbox we send at most ${result.limit} links an hour to one address; if you asked several times, any of the links works until one of them is used.`}
        </p>
        <p>
          Remembered it? <Link to="/login">Log in</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>Reset your password</h1>
      <p>Enter the email address of your Coursemint account. We'll email you a link to choose a new password.</p>
      <Form method="post" noValidate className="stack">
        <CsrfInput />
        <FormError errors={result?.errors} />
        <Field label="Email" name="email" type="email" autoComplete="email" required defaultValue={result?.values?.email} errors={result?.errors} />
        <SubmitButton pendingText="Sending…">Email me a link</SubmitButton>
      </Form>
      <p>
        Remembered it? <Link to="/login">Log in</Link> · New here? <Link to="/signup">Create an account</Link>
      </p>
    </section>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { CsrfInput, Field, FormError } from "~/components/forms";
import { clientIp, requireAnonymous } from "~/modules/auth/auth.server";
import { requestSignup } from "~/modules/auth/signup.server";
import { formError, keptValues, readForm, retryAfterHeaders, type FormResult } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Sign up · Coursemint" }];

export const headers = retryAfterHeaders;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAnonymous(context.app, request);
  return null;
}

type SignupResult = FormResult & { sentTo?: string };

/**
 * Always the same answer for valid input, whether or not the address has an account: "check your
 * inbox". The account is created from the link in the email (signup_.confirm.tsx).
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  try {
    const { redirectTo, ...fields } = Object.fromEntries(form);
    const { email } = await requestSignup(app, fields, clientIp(request), { next: typeof redirectTo === "string" ? redirectTo : null });
    return data<SignupResult>({ sentTo: email });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function Signup() {
  const result = useActionData<SignupResult>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  if (result?.sentTo) {
    return (
      <section className="narrow stack" data-testid="signup-sent">
        <h1>Check your inbox</h1>
        <p role="status">
          We sent an email to <strong>{result.sentTo}</strong>. Open the link in it within 24 hours to finish creating your account.
        </p>
        <p>
          Nothing there after a few minutes? Check your spam folder, or <Link to="/signup">sign up again</Link> to get a new link.
          Already have an account? <Link to="/login">Log in</Link>.
        </p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>Create your account</h1>
      <Form method="post" noValidate className="stack">
        <CsrfInput />
        <input type="hidden" name="redirectTo" value={result?.values?.redirectTo ?? params.get("redirectTo") ?? ""} />
        <FormError errors={result?.errors} />
        <Field label="Name" name="name" autoComplete="name" required defaultValue={result?.values?.name} errors={result?.errors} />
        <Field label="Email" name="email" type="email" autoComplete="email" required defaultValue={result?.values?.email ?? params.get("email") ?? undefined} errors={result?.errors} />
        <Field
          label="Password (10+ characters, letters and a number)"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          errors={result?.errors}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Signing up…" : "Sign up"}
        </button>
      </Form>
      <p>We'll email you a link to confirm your address before the account is created.</p>
      <p>
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </section>
  );
}

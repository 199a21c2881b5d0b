import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { CsrfInput, Field, FormError } from "~/components/forms";
import { clientIp, createAuthenticator, requireAnonymous } from "~/modules/auth/auth.server";
import { landingPath } from "~/modules/auth/permissions";
import { createSession } from "~/modules/auth/session.server";
import { safeRedirect } from "~/utils/redirect";
import { formError, keptValues, readForm, retryAfterHeaders, type FormResult } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Log in · Coursemint" }];

export const headers = retryAfterHeaders;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAnonymous(context.app, request);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  try {
    const user = await createAuthenticator(app).authenticate("form", request);
    const session = await createSession(app, user.id, request.headers.get("User-Agent"));
    app.logger.info("auth.logged_in", { userId: user.id, sessionId: session.id, ip: clientIp(request) });
    return redirect(safeRedirect(form.get("redirectTo"), landingPath(user.role)), { headers: { "Set-Cookie": session.setCookie } });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function Login() {
  const result = useActionData<FormResult>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  return (
    <section className="narrow">
      <h1>Log in</h1>
      <Form method="post" noValidate className="stack">
        <CsrfInput />
        <input type="hidden" name="redirectTo" value={result?.values?.redirectTo ?? params.get("redirectTo") ?? ""} />
        <FormError errors={result?.errors} />
        <Field label="Email" name="email" type="email" autoComplete="email" required defaultValue={result?.values?.email} errors={result?.errors} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required errors={result?.errors} />
        <p>
          <Link to="/password/forgot">Forgot your password?</Link>
        </p>
        <button type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </Form>
      <p>
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </section>
  );
}

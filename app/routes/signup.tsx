import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { CsrfInput, Field, FormError } from "~/components/forms";
import { requireAnonymous, signUp } from "~/modules/auth/auth.server";
import { createSession } from "~/modules/auth/session.server";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Sign up · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAnonymous(context.app, request);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  try {
    const user = await signUp(app, Object.fromEntries(form));
    const session = await createSession(app, user.id, request.headers.get("User-Agent"));
    return redirect("/learning?welcome=1", { headers: { "Set-Cookie": session.setCookie } });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function Signup() {
  const result = useActionData<FormResult>();
  const busy = useNavigation().state === "submitting";
  return (
    <section className="narrow">
      <h1>Create your account</h1>
      <Form method="post" noValidate className="stack">
        <CsrfInput />
        <FormError errors={result?.errors} />
        <Field label="Name" name="name" autoComplete="name" required defaultValue={result?.values?.name} errors={result?.errors} />
        <Field label="Email" name="email" type="email" autoComplete="email" required defaultValue={result?.values?.email} errors={result?.errors} />
        <Field
          label="Password (10+ characters, letters and a number)"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          errors={result?.errors}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Creating account…" : "Sign up"}
        </button>
      </Form>
      <p>
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </section>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { BundleForm } from "~/components/bundle-form";
import { EmptyState } from "~/components/empty-state";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { hasPermission } from "~/modules/auth/permissions";
import { bundleableCourses, createBundle, listOwnBundles } from "~/modules/marketplace/bundles.server";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { useFormat } from "~/utils/format";
import { bundleFormInput, pageErrors } from "./bundles.server";

export const meta: MetaFunction = () => [{ title: "Bundles · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(context.app, request, "update:course:own");
  const [bundles, courses] = await Promise.all([listOwnBundles(context.app, user), bundleableCourses(context.app, user)]);
  return { bundles, courses, acrossInstructors: hasPermission(user, "update:course:any") };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "update:course:own");
  try {
    const bundle = await createBundle(app, user, bundleFormInput(app, form)).catch((e) => {
      throw pageErrors(e);
    });
    return redirect(`/instructor/bundles/${bundle.id}?created=1`);
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

const STATUS_WORDS = { draft: "Draft (not on sale)", published: "Published" } as const;

export default function InstructorBundles() {
  const { bundles, courses, acrossInstructors } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as (FormResult & { values?: Record<string, string> }) | undefined;
  const f = useFormat();
  const values = result?.values;
  return (
    <section className="stack-lg">
      <header className="stack">
        <p>
          <Link to="/instructor">← Dashboard</Link>
        </p>
        <h1>Bundles</h1>
        <p className="muted">Sell several of your courses at one price. Learners who own some of them pay less: those courses' share of the price is taken off. You earn 70 % of each course's share of what is paid.</p>
      </header>
      {bundles.length ? (
        <ul className="stack" data-testid="own-bundles">
          {bundles.map((b) => (
            <li key={b.id} className="card">
              <h2>
                <Link to={`/instructor/bundles/${b.id}`}>{b.title}</Link>
              </h2>
              <p className="muted">
                {STATUS_WORDS[b.status]} · {f.plural(b.courseCount, "course")} · {f.money(b.priceAmount, b.currency)}
              </p>
            </li>
          ))}
        </ul>
      ) : (
        <EmptyState title="No bundles yet">Make your first bundle below.</EmptyState>
      )}
      <section className="stack" aria-labelledby="new-bundle">
        <h2 id="new-bundle">New bundle</h2>
        <BundleForm
          values={{ title: values?.title ?? "", description: values?.description ?? "", price: values?.price ?? "", currency: "usd", courseIds: [] }}
          courses={courses}
          errors={result?.errors}
          submitLabel="Create the bundle"
          pendingLabel="Creating…"
          showInstructor={acrossInstructors}
        />
      </section>
    </section>
  );
}

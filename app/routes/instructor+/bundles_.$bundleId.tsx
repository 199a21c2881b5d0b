import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { BundleForm } from "~/components/bundle-form";
import { CsrfInput, FormStatus } from "~/components/forms";
import { SubmitButton } from "~/components/submit-button";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { hasPermission } from "~/modules/auth/permissions";
import { bundleCourseList, bundleIdSchema, bundleableCourses, loadOwnBundle, setBundleStatus, updateBundle } from "~/modules/marketplace/bundles.server";
import { errorResponse, AppError } from "~/utils/errors";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { toMajorUnits, type Currency } from "~/utils/money";
import { bundleFormInput, pageErrors } from "./bundles.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.bundle.title ?? "Bundle"} · Edit bundle · Coursemint` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "update:course:own");
  // The bundle (with the ownership check), its courses and the choosable ones read together.
  const id = params.bundleId ?? "";
  const [bundle, inBundle, choosable] = await Promise.all([
    loadOwnBundle(app, user, id).catch((error) => {
      throw errorResponse(error instanceof AppError ? error : AppError.notFound("Bundle"), app.requestId);
    }),
    bundleIdSchema.safeParse(id).success ? bundleCourseList(app, id) : Promise.resolve([]),
    bundleableCourses(app, user),
  ]);
  // Courses already in the bundle stay choosable even if they are no longer published (so the editor can remove them).
  const extra = inBundle.filter((c) => !choosable.some((x) => x.id === c.id)).map((c) => ({ id: c.id, title: `${c.title} (not on sale)`, priceAmount: c.priceAmount, currency: c.currency, instructorName: "" }));
  return { bundle, courseIds: inBundle.map((c) => c.id), courses: [...choosable, ...extra], acrossInstructors: hasPermission(user, "update:course:any") };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "update:course:own");
  try {
    const intent = form.get("intent");
    if (intent === "publish" || intent === "unpublish") {
      await setBundleStatus(app, user, params.bundleId ?? "", intent === "publish" ? "published" : "draft").catch((e) => {
        throw pageErrors(e);
      });
      return data<FormResult>({ ok: intent === "publish" ? "The bundle is published: it is in the catalog and on sale." : "The bundle is a draft again: it left the catalog. Learners who bought it keep their courses." });
    }
    await updateBundle(app, user, params.bundleId ?? "", bundleFormInput(app, form)).catch((e) => {
      throw pageErrors(e);
    });
    return data<FormResult>({ ok: "The bundle was saved." });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function EditBundle() {
  const { bundle, courseIds, courses, acrossInstructors } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as (FormResult & { values?: Record<string, string> }) | undefined;
  const [params] = useSearchParams();
  const values = result?.values;
  const errors = result?.errors;
  return (
    <section className="stack-lg">
      <header className="stack">
        <p>
          <Link to="/instructor/bundles">← Bundles</Link>
        </p>
        <h1>{bundle.title}</h1>
        <p className="muted">
          {bundle.status === "published" ? "Published: in the catalog and on sale." : "Draft: only you and admins can see it."}{" "}
          <Link to={`/bundles/${bundle.slug}`}>{bundle.status === "published" ? "View the bundle page" : "Preview the bundle page"}</Link>
        </p>
        {params.get("created") ? (
          <p className="alert success" role="status">
            The bundle was created as a draft. Publish it when it is ready.
          </p>
        ) : null}
        <FormStatus result={result?.ok ? result : errors?._form ? result : undefined} />
      </header>
      <Form method="post">
        <CsrfInput />
        {bundle.status === "published" ? (
          <SubmitButton name="intent" value="unpublish" pendingText="Taking it off sale…" className="secondary">
            Take off sale (back to draft)
          </SubmitButton>
        ) : (
          <SubmitButton name="intent" value="publish" pendingText="Publishing…" data-testid="bundle-publish">
            Publish the bundle
          </SubmitButton>
        )}
      </Form>
      <section className="stack" aria-labelledby="edit-bundle">
        <h2 id="edit-bundle">Edit</h2>
        <BundleForm
          values={{
            title: values?.title ?? bundle.title,
            description: values?.description ?? bundle.description,
            price: values?.price ?? toMajorUnits(bundle.priceAmount, bundle.currency as Currency),
            currency: bundle.currency,
            courseIds,
          }}
          courses={courses}
          errors={errors?._form ? undefined : errors}
          submitLabel="Save the bundle"
          pendingLabel="Saving…"
          showInstructor={acrossInstructors}
        />
      </section>
    </section>
  );
}

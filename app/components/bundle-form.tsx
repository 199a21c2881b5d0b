import { Form } from "@remix-run/react";
import { CsrfInput, Field, FormError } from "~/components/forms";
import { SubmitButton } from "~/components/submit-button";
import type { FieldErrors } from "~/utils/errors";
import { useFormat } from "~/utils/format";

export type BundleFormValues = { title: string; description: string; price: string; currency: string; courseIds: string[] };
export type ChoosableCourse = { id: string; title: string; priceAmount: number; currency: string; instructorName: string };

/** The bundle editor (create and edit): title, description, price, and the courses with their order. */
export function BundleForm({ values, courses, errors, submitLabel, pendingLabel, showInstructor }: { values: BundleFormValues; courses: ChoosableCourse[]; errors?: FieldErrors; submitLabel: string; pendingLabel: string; showInstructor: boolean }) {
  const f = useFormat();
  const order = (id: string) => {
    const i = values.courseIds.indexOf(id);
    return i === -1 ? "" : String(i + 1);
  };
  const courseErrors = errors?.courseIds;
  return (
    <Form method="post" className="stack narrow-left" noValidate>
      <CsrfInput />
      <FormError errors={errors} />
      <Field label="Title" name="title" defaultValue={values.title} errors={errors} required minLength={5} maxLength={120} />
      <div className="field">
        <label htmlFor="field-description">Description</label>
        <textarea id="field-description" name="description" rows={5} defaultValue={values.description} aria-invalid={errors?.description ? true : undefined} aria-describedby={errors?.description ? "field-description-error" : undefined} />
        {errors?.description ? (
          <ul id="field-description-error" className="field-errors" role="alert">
            {errors.description.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        ) : null}
      </div>
      <Field label="Bundle price (USD, e.g. 49.99)" name="price" inputMode="decimal" defaultValue={values.price} errors={errors} required />
      <input type="hidden" name="currency" value={values.currency} />
      <fieldset className="stack" aria-describedby={courseErrors ? "bundle-courses-error" : "bundle-courses-hint"}>
        <legend>Courses in the bundle</legend>
        <p id="bundle-courses-hint" className="muted">
          Choose 2 to 20 of your published paid courses. The number sets their order on the bundle page. Each course's share of the price follows its list price.
        </p>
        {courseErrors ? (
          <ul id="bundle-courses-error" className="field-errors" role="alert">
            {courseErrors.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        ) : null}
        {courses.length === 0 ? <p className="alert">You have no published paid course yet: publish courses first, then bundle them.</p> : null}
        <ul className="stack bundle-choices">
          {courses.map((c) => (
            <li key={c.id} className="bundle-choice">
              <input type="checkbox" id={`course-${c.id}`} name="courseIds" value={c.id} defaultChecked={values.courseIds.includes(c.id)} />
              <label htmlFor={`course-${c.id}`}>
                {c.title} · {f.money(c.priceAmount, c.currency)}
                {showInstructor ? ` · ${c.instructorName}` : ""}
              </label>
              <label className="sr-only" htmlFor={`position-${c.id}`}>
                Position of {c.title}
              </label>
              <input type="number" id={`position-${c.id}`} name={`position-${c.id}`} min={1} max={20} defaultValue={order(c.id)} className="position-input" placeholder="#" />
            </li>
          ))}
        </ul>
      </fieldset>
      <SubmitButton pendingText={pendingLabel} name="intent" value="save">
        {submitLabel}
      </SubmitButton>
    </Form>
  );
}

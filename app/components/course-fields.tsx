import { Field } from "~/components/forms";
import { CATEGORY_LABELS, COURSE_CATEGORIES, COURSE_LANGUAGES, COURSE_LEVELS, DESCRIPTION_MAX, LANGUAGE_LABELS, TITLE_MAX } from "~/modules/marketplace/rules";
import type { FieldErrors } from "~/utils/errors";
import { CURRENCIES } from "~/utils/money";

function Errors({ name, errors }: { name: string; errors?: FieldErrors }) {
  const messages = errors?.[name];
  if (!messages?.length) return null;
  return (
    <ul id={`field-${name}-error`} className="field-errors" role="alert">
      {messages.map((m) => (
        <li key={m}>{m}</li>
      ))}
    </ul>
  );
}

export function Select({ label, name, options, value, errors, required }: { label: string; name: string; options: [string, string][]; value?: string; errors?: FieldErrors; required?: boolean }) {
  return (
    <div className="field">
      <label htmlFor={`field-${name}`}>{label}</label>
      <select id={`field-${name}`} name={name} defaultValue={value ?? ""} required={required} aria-invalid={errors?.[name] ? true : undefined}>
        {required ? <option value="">Choose…</option> : <option value="">Any</option>}
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
      <Errors name={name} errors={errors} />
    </div>
  );
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** Course metadata inputs shared by the upload and edit forms. */
export function CourseFields({ values, errors }: { values?: Record<string, string>; errors?: FieldErrors }) {
  return (
    <>
      <Field label="Title" name="title" required maxLength={TITLE_MAX} defaultValue={values?.title} errors={errors} />
      <div className="field">
        <label htmlFor="field-description">Description</label>
        <textarea id="field-description" name="description" rows={5} required maxLength={DESCRIPTION_MAX} defaultValue={values?.description} aria-invalid={errors?.description ? true : undefined} />
        <Errors name="description" errors={errors} />
      </div>
      <Select label="Category" name="category" required value={values?.category} errors={errors} options={COURSE_CATEGORIES.map((c) => [c, CATEGORY_LABELS[c]])} />
      <Select label="Level" name="level" required value={values?.level} errors={errors} options={COURSE_LEVELS.map((l) => [l, cap(l)])} />
      <Select label="Language" name="language" required value={values?.language} errors={errors} options={COURSE_LANGUAGES.map((l) => [l, LANGUAGE_LABELS[l]])} />
      <Field label="Price (0 for free)" name="price" inputMode="decimal" required defaultValue={values?.price ?? "0"} errors={errors} />
      <Select label="Currency" name="currency" required value={values?.currency ?? "usd"} errors={errors} options={Object.keys(CURRENCIES).map((c) => [c, c.toUpperCase()])} />
    </>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Link, useActionData } from "@remix-run/react";
import { useState } from "react";
import { CourseFields } from "~/components/course-fields";
import { CsrfInput, FormError } from "~/components/forms";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { uploadFromPage } from "./courses.server";
import { ACCEPT_ATTRIBUTE, MAX_FILE_BYTES, MAX_FILES_PER_UPLOAD, priceFieldMessage } from "~/modules/marketplace/rules";
import type { FieldErrors } from "~/utils/errors";
import { formError, type FormResult } from "~/utils/forms.server";
import { parseMajorUnits, type Currency } from "~/utils/money";

export const meta: MetaFunction = () => [{ title: "New course · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUserWithPermission(context.app, request, "create:course:own");
  return null;
}

/** The plain multipart form (works without JavaScript). */
export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "create:course:own");
  const kept: Record<string, string> = {};
  try {
    const { course } = await uploadFromPage(app, user, request, kept);
    return redirect(`/instructor/courses/${course.id}?uploaded=1`);
  } catch (error) {
    delete kept.csrf;
    return formError(app, error, kept);
  }
}

type UploadState = { percent: number } | null;

/**
 * With JavaScript the same form is sent with XMLHttpRequest to POST /api/courses/upload, so the
 * page can show upload progress; the price is converted to minor units first.
 */
function sendWithProgress(form: HTMLFormElement, onProgress: (p: number) => void): Promise<{ status: number; body: any }> {
  const data = new FormData(form);
  const currency = (String(data.get("currency") || "usd")) as Currency;
  const minor = parseMajorUnits(String(data.get("price") ?? ""), currency);
  data.delete("price");
  data.delete("csrf");
  data.set("priceAmount", minor === null ? "not-a-price" : String(minor));
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/courses/upload");
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.response });
    xhr.onerror = () => reject(new Error("network"));
    xhr.send(data);
  });
}

export default function NewCourse() {
  const result = useActionData<FormResult>();
  const [progress, setProgress] = useState<UploadState>(null);
  const [clientErrors, setClientErrors] = useState<FieldErrors | undefined>();
  const errors = clientErrors ?? result?.errors;

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const currency = String(new FormData(event.currentTarget).get("currency") || "usd");
    setClientErrors(undefined);
    setProgress({ percent: 0 });
    try {
      const res = await sendWithProgress(event.currentTarget, (percent) => setProgress({ percent }));
      if (res.status === 201) {
        window.location.assign(`/instructor/courses/${res.body.course.id}?uploaded=1`);
        return;
      }
      const fieldErrors: FieldErrors = res.body?.error?.details?.fieldErrors ?? { _form: [res.body?.error?.message ?? "Upload failed."] };
      const { priceAmount, ...rest } = fieldErrors;
      setClientErrors(priceAmount ? { ...rest, price: [priceFieldMessage(currency)] } : rest);
    } catch {
      setClientErrors({ _form: ["The upload was interrupted. Check your connection and try again."] });
    }
    setProgress(null);
  }

  return (
    <section className="stack narrow">
      <p>
        <Link to="/instructor">← Instructor dashboard</Link>
      </p>
      <h1>Upload a new course</h1>
      <p className="muted">
        The course starts as a draft. Module files: {ACCEPT_ATTRIBUTE.replaceAll(",", ", ")}; up to {MAX_FILES_PER_UPLOAD} files of at most{" "}
        {MAX_FILE_BYTES / 1024 / 1024} MB each. You can add more modules later.
      </p>
      <FormError errors={errors} />
      <form method="post" encType="multipart/form-data" className="stack" onSubmit={onSubmit}>
        <CsrfInput />
        <CourseFields values={result?.values} errors={errors} />
        <div className="field">
          <label htmlFor="field-files">Module files (one module per file, in this order)</label>
          <input id="field-files" name="files" type="file" multiple accept={ACCEPT_ATTRIBUTE} aria-invalid={errors?.files ? true : undefined} />
          {errors?.files ? (
            <ul className="field-errors" role="alert">
              {errors.files.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          ) : null}
        </div>
        {progress ? (
          <div className="upload-progress" role="status" aria-live="polite">
            <progress max={100} value={progress.percent} aria-label="Upload progress" /> Uploading… {progress.percent}%
          </div>
        ) : null}
        <button type="submit" disabled={!!progress}>
          Upload course
        </button>
      </form>
    </section>
  );
}

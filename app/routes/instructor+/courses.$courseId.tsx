import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import * as z from "zod";
import { CourseFields } from "~/components/course-fields";
import { When } from "~/components/when";
import { ConfirmPanel, confirmStepOf } from "~/components/confirm";
import { CsrfInput, Field, FormStatus } from "~/components/forms";
import { SubmitButton } from "~/components/submit-button";
import { askToConfirm, isConfirmed } from "~/utils/confirm.server";
import { StatusBadge, statusLabel } from "~/components/status";
import { useFormat } from "~/utils/format";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { deleteModule, listModules, loadOwnCourse, moveModule, publicModule, publishProblems, renameModule, updateCourse } from "~/modules/marketplace/courses.server";
import { courseEditFields, pageFieldErrors, uploadFromPage } from "./courses.server";
import { ACCEPT_ATTRIBUTE, CATEGORY_LABELS, MODULE_TITLE_MAX } from "~/modules/marketplace/rules";
import { CourseCover } from "~/components/course-cover";
import { IMAGE_ACCEPT, imageUrl } from "~/modules/marketplace/images";
import { readImageForm, setCourseCover } from "~/modules/marketplace/images.server";
import { AppError, errorResponse, parseOrThrow, toAppError } from "~/utils/errors";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { formatMoney, toMajorUnits, type Currency } from "~/utils/money";
import { saleOf, SALE_POLICY } from "~/modules/marketplace/sales";
import { endSale, setSale } from "~/modules/marketplace/sales.server";
import { now } from "~/utils/clock";
import { formatDate, viewerFromRequest } from "~/utils/format";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.course.title ?? "Course"} · Edit · Coursemint` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "update:course:own");
  const course = await loadOwnCourse(app, user, params.courseId ?? "").catch((error) => {
    throw errorResponse(toAppError(error), app.requestId);
  });
  const modules = await listModules(app, course.id);
  return {
    course: { ...course, price: toMajorUnits(course.priceAmount, course.currency as Currency), coverUrl: imageUrl(course.coverKey) },
    modules: modules.map(publicModule),
    problems: publishProblems(course, modules),
    sale: saleView(course, now()),
    saleRules: { maxLengthDays: SALE_POLICY.maxLengthDays, startsWithinDays: SALE_POLICY.startsWithinDays, floor: SALE_POLICY.priceFloor[course.currency as Currency] },
  };
}

/** The course's sale for the page: scheduled, running, or none (an ended one shows as none). */
function saleView(course: Parameters<typeof saleOf>[0] & { currency: string }, t: number) {
  const sale = saleOf(course);
  if (!sale || sale.endsAt <= t) return null;
  return { price: sale.price, priceText: toMajorUnits(sale.price, course.currency as Currency), startsAt: sale.startsAt, endsAt: sale.endsAt, running: sale.startsAt <= t };
}

const intentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("update") }).loose(),
  z.object({ intent: z.literal("status"), status: z.enum(["draft", "published", "unlisted", "archived"]) }),
  z.object({ intent: z.literal("delete-module"), moduleId: z.string().min(1).max(64) }),
  z.object({ intent: z.literal("rename-module"), moduleId: z.string().min(1).max(64), title: z.string() }),
  z.object({ intent: z.literal("move-module"), moduleId: z.string().min(1).max(64), direction: z.enum(["up", "down"]) }),
  z.object({ intent: z.literal("sale") }).loose(),
  z.object({ intent: z.literal("end-sale") }).loose(),
]);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "update:course:own");
  const courseId = params.courseId ?? "";
  if (new URL(request.url).searchParams.get("intent") === "cover") {
    // The cover image form (its own small multipart reader: size and type checked before storing).
    let form: FormData | null = null;
    try {
      form = await readImageForm(app, request, "cover");
      const key = await setCourseCover(app, user, courseId, form);
      return data<FormResult>({ ok: key ? "Cover image saved." : "Cover image removed; a generated cover is shown." });
    } catch (error) {
      return formError(app, error, {});
    }
  }
  if ((request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data")) {
    // "Add modules": the file form, streamed like the upload page.
    const kept: Record<string, string> = {};
    try {
      await loadOwnCourse(app, user, courseId);
      const result = await uploadFromPage(app, user, request, kept);
      return data<FormResult>({ ok: `${result.modules} module${result.modules === 1 ? "" : "s"} added.` });
    } catch (error) {
      return formError(app, error, {});
    }
  }
  const form = await readForm(app, request);
  try {
    // The course's own instructor only, for every intent (admins moderate on the course page or the API).
    const own = await loadOwnCourse(app, user, courseId);
    const input = parseOrThrow(intentSchema, Object.fromEntries(form));
    switch (input.intent) {
      case "update": {
        const { intent: _i, csrf: _c, ...fields } = Object.fromEntries(form) as Record<string, string>;
        try {
          await updateCourse(app, user, courseId, courseEditFields(fields));
        } catch (error) {
          if (error instanceof AppError && error.code === "validation_failed") {
            throw AppError.validation(pageFieldErrors((error.details as { fieldErrors: Record<string, string[]> }).fieldErrors, fields.currency), error.message);
          }
          throw error;
        }
        return data<FormResult>({ ok: "Course details saved." });
      }
      case "status": {
        const listed = own.status === "published" || own.status === "unlisted";
        if (((input.status === "draft" && listed) || (input.status === "archived" && own.status !== "archived")) && !isConfirmed(form)) {
          return askToConfirm(form, {
            title: input.status === "archived" ? `Archive “${own.title}”?` : `Unpublish “${own.title}”?`,
            body:
              input.status === "archived"
                ? "It leaves the catalog and nobody new can buy it. Enrolled learners keep their access."
                : "It leaves the catalog at once and nobody new can buy it. Enrolled learners keep their access. You can publish it again later.",
            confirmLabel: input.status === "archived" ? "Archive course" : "Unpublish",
            pendingLabel: input.status === "archived" ? "Archiving…" : "Unpublishing…",
          });
        }
        const course = await updateCourse(app, user, courseId, { status: input.status });
        return data<FormResult>({ ok: `The course is now ${statusLabel("course", course.status).toLowerCase()}.` });
      }
      case "delete-module": {
        if (!isConfirmed(form)) {
          const target = (await listModules(app, own.id)).find((m) => m.id === input.moduleId);
          if (!target) throw AppError.notFound("Module");
          return askToConfirm(form, {
            title: `Delete the module “${target.title}”?`,
            body: `${target.fileName ? `Its file (${target.fileName}) is deleted too and learners` : "Learners"} no longer see it. This cannot be undone.`,
            confirmLabel: "Delete module",
            pendingLabel: "Deleting…",
          });
        }
        await deleteModule(app, user, courseId, input.moduleId);
        return data<FormResult>({ ok: "Module deleted." });
      }
      case "rename-module": {
        const title = await renameModule(app, user, courseId, input.moduleId, input.title);
        return data<FormResult>({ ok: `Module renamed to “${title}”.` });
      }
      case "move-module": {
        await moveModule(app, user, courseId, input.moduleId, input.direction);
        return data<FormResult>({ ok: `Module moved ${input.direction}.` });
      }
      case "sale": {
        const sale = await setSale(app, user, courseId, { salePrice: form.get("salePrice") ?? "", saleStartsOn: form.get("saleStartsOn") ?? "", saleEndsOn: form.get("saleEndsOn") ?? "" });
        const currency = own.currency as Currency;
        const started = sale.startsAt <= now();
        const viewer = viewerFromRequest(request);
        return data<FormResult>({
          ok: `${started ? "On sale now" : `On sale from ${formatDate(sale.startsAt, viewer)}`} at ${formatMoney(sale.price, currency)} (instead of ${formatMoney(own.priceAmount, currency)}) until ${formatDate(sale.endsAt - 1, viewer)}.`,
        });
      }
      case "end-sale": {
        if (!isConfirmed(form)) {
          return askToConfirm(form, {
            title: "End the sale now?",
            body: "The course goes back to its price at once, in the catalog and on its page. Learners who bought on sale keep what they paid.",
            confirmLabel: "End sale",
            pendingLabel: "Ending…",
          });
        }
        const { ended } = await endSale(app, user, courseId);
        return data<FormResult>({ ok: ended ? "The sale has ended; the course is back at its price." : "There was no sale to end." });
      }
    }
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function EditCourse() {
  const { course, modules, problems, sale, saleRules } = useLoaderData<typeof loader>();
  // Every form names its target: after "Save cover" the URL keeps `?intent=cover`, and a form
  // without an action posts to the current URL, query included (it reached the cover reader: 415).
  const self = `/instructor/courses/${course.id}`;
  const answer = useActionData<typeof action>();
  const confirmStep = confirmStepOf(answer);
  const result = (confirmStep ? undefined : answer) as FormResult | undefined;
  const [params] = useSearchParams();
  // The details form shows what was typed only when it was the one sent (a module rename also has a title).
  const values = result?.values?.intent === "update" ? result.values : { ...course, priceAmount: String(course.priceAmount) };
  const ready = Object.keys(problems).length === 0;
  const listed = course.status === "published" || course.status === "unlisted";
  const f = useFormat();
  return (
    <section className="stack">
      <p>
        <Link to="/instructor">← Instructor dashboard</Link>
      </p>
      <h1>{course.title}</h1>
      <p>
        Status: <StatusBadge kind="course" status={course.status} testId="course-status" />
        {listed ? (
          <>
            {" "}
            · <Link to={`/courses/${course.slug}`}>View course page</Link>
          </>
        ) : null}
      </p>
      {params.get("uploaded") && !result ? (
        <p className="alert success" role="status">
          Course uploaded as a draft. Publish it when it is ready.
        </p>
      ) : null}
      <FormStatus result={result} />
      <ConfirmPanel step={confirmStep} />

      <section aria-labelledby="publish-title" className="card">
        <h2 id="publish-title">Publishing</h2>
        {!ready ? (
          <ul className="field-errors" data-testid="publish-problems">
            {Object.values(problems)
              .flat()
              .map((p) => (
                <li key={p}>{p}</li>
              ))}
          </ul>
        ) : null}
        <Form method="post" action={self} className="inline-form">
          <CsrfInput />
          <input type="hidden" name="intent" value="status" />
          {listed ? (
            <SubmitButton name="status" value="draft" className="danger" pendingText="Unpublishing…">
              Unpublish
            </SubmitButton>
          ) : (
            <SubmitButton name="status" value="published" disabled={!ready} pendingText="Publishing…">
              Publish
            </SubmitButton>
          )}
          {course.status === "published" ? (
            <button type="submit" name="status" value="unlisted" className="small">
              Make unlisted
            </button>
          ) : null}
        </Form>
      </section>

      <section aria-labelledby="cover-title" className="card stack">
        <h2 id="cover-title">Cover image</h2>
        <div className="cover-editor">
          <CourseCover course={course} label={CATEGORY_LABELS[course.category]} size="thumb" />
          <Form method="post" action={`${self}?intent=cover`} encType="multipart/form-data" className="stack" data-testid="cover-form">
            <CsrfInput />
            <Field label="Cover (PNG, JPEG or WebP, up to 2 MB; 16:9 looks best, e.g. 1280×720)" name="cover" type="file" accept={IMAGE_ACCEPT} errors={result?.errors} />
            {course.coverUrl ? (
              <label className="checkbox">
                <input type="checkbox" name="removeCover" /> Remove the cover (show a generated one)
              </label>
            ) : (
              <p className="muted">Without an upload, learners see the generated cover shown here.</p>
            )}
            <p>
              <button type="submit">Save cover</button>
            </p>
          </Form>
        </div>
      </section>

      <section aria-labelledby="modules-title">
        <h2 id="modules-title">Modules</h2>
        {modules.length ? (
          <ol className="modules module-editor">
            {modules.map((m, i) => (
              <li key={m.id} className="stack-sm" data-testid="module-row">
                {/* Keyed by the title, so a saved rename shows the new title and not what was typed. */}
                <Form method="post" action={self} className="inline-form" key={m.title}>
                  <CsrfInput />
                  <input type="hidden" name="moduleId" value={m.id} />
                  <div className="field">
                    <label htmlFor={`module-title-${m.id}`}>Module {i + 1} title</label>
                    <input
                      id={`module-title-${m.id}`}
                      name="title"
                      defaultValue={result?.values?.moduleId === m.id ? (result.values.title ?? m.title) : m.title}
                      required
                      maxLength={MODULE_TITLE_MAX}
                      aria-invalid={result?.values?.moduleId === m.id && result.errors?.title ? true : undefined}
                      aria-describedby={`module-file-${m.id}${result?.values?.moduleId === m.id && result.errors?.title ? ` module-title-error-${m.id}` : ""}`}
                    />
                    {result?.values?.moduleId === m.id && result.errors?.title ? (
                      <p className="field-errors" id={`module-title-error-${m.id}`} role="alert">
                        {result.errors.title.join(" ")}
                      </p>
                    ) : null}
                    <p className="hint" id={`module-file-${m.id}`}>
                      {m.fileName ?? "No file"}
                      {m.sizeBytes ? `, ${f.number(Math.ceil(m.sizeBytes / 1024))} KB` : ""}
                    </p>
                  </div>
                  <SubmitButton name="intent" value="rename-module" className="secondary small" pendingText="Saving…">
                    Rename
                  </SubmitButton>
                </Form>
                <div className="form-actions">
                  <Link to={`/courses/${course.slug}/learn/${m.id}`}>Preview as a learner</Link>
                  <Form method="post" action={self} className="inline">
                    <CsrfInput />
                    <input type="hidden" name="moduleId" value={m.id} />
                    <input type="hidden" name="intent" value="move-module" />
                    <SubmitButton name="direction" value="up" className="link-button" pendingText="Moving…" disabled={i === 0} aria-label={`Move ${m.title} up`}>
                      Move up
                    </SubmitButton>{" "}
                    <SubmitButton name="direction" value="down" className="link-button" pendingText="Moving…" disabled={i === modules.length - 1} aria-label={`Move ${m.title} down`}>
                      Move down
                    </SubmitButton>
                  </Form>
                  <Form method="post" action={self} className="inline">
                    <CsrfInput />
                    <input type="hidden" name="moduleId" value={m.id} />
                    <SubmitButton name="intent" value="delete-module" className="link-button" pendingText="Deleting…" aria-label={`Delete ${m.title}`}>
                      Delete
                    </SubmitButton>
                  </Form>
                </div>
              </li>
            ))}
          </ol>
        ) : (
          <p className="muted">No modules yet. Add at least one file to publish the course.</p>
        )}
        <form method="post" action={self} encType="multipart/form-data" className="inline-form">
          <CsrfInput />
          <input type="hidden" name="courseId" value={course.id} />
          <label>
            Add module files <input name="files" type="file" multiple accept={ACCEPT_ATTRIBUTE} />
          </label>
          <button type="submit">Add modules</button>
        </form>
      </section>

      {course.priceAmount > 0 ? (
        <section aria-labelledby="sale-title" className="card" data-testid="sale-section">
          <h2 id="sale-title">Sale</h2>
          {sale ? (
            <p className="alert" role="status">
              {sale.running ? "On sale now" : <>Scheduled from <When ms={sale.startsAt} as="date" /></>} at {f.money(sale.price, course.currency as Currency)} instead of{" "}
              {f.money(course.priceAmount, course.currency as Currency)}, until <When ms={sale.endsAt - 1} as="date" />. Promotion codes do not apply during a sale.
            </p>
          ) : (
            <p className="muted">
              Put the course on sale for up to {saleRules.maxLengthDays} days, starting within {saleRules.startsWithinDays} days. The catalog and the course page show
              the price struck through with the end date; members&apos; discounts apply on the sale price; promotion codes do not apply during a sale.
            </p>
          )}
          <Form method="post" action={self} className="stack narrow-left">
            <CsrfInput />
            <Field
              label={`Sale price (${course.currency.toUpperCase()}, at least ${f.money(saleRules.floor, course.currency as Currency)})`}
              name="salePrice"
              inputMode="decimal"
              defaultValue={result?.values?.intent === "sale" ? result.values.salePrice : (sale?.priceText ?? "")}
              errors={result?.values?.intent === "sale" ? result.errors : undefined}
            />
            <Field
              label="First day (UTC)"
              name="saleStartsOn"
              type="date"
              defaultValue={result?.values?.intent === "sale" ? result.values.saleStartsOn : sale ? new Date(sale.startsAt).toISOString().slice(0, 10) : ""}
              errors={result?.values?.intent === "sale" ? result.errors : undefined}
            />
            <Field
              label="Last day (UTC, the sale runs through it)"
              name="saleEndsOn"
              type="date"
              defaultValue={result?.values?.intent === "sale" ? result.values.saleEndsOn : sale ? new Date(sale.endsAt - 1).toISOString().slice(0, 10) : ""}
              errors={result?.values?.intent === "sale" ? result.errors : undefined}
            />
            <div className="form-actions">
              <SubmitButton name="intent" value="sale" pendingText="Saving…">
                {sale ? "Change the sale" : "Start the sale"}
              </SubmitButton>
              {sale ? (
                <SubmitButton name="intent" value="end-sale" className="secondary" pendingText="Ending…">
                  {sale.running ? "End the sale now" : "Cancel the sale"}
                </SubmitButton>
              ) : null}
            </div>
          </Form>
        </section>
      ) : null}

      <section aria-labelledby="details-title">
        <h2 id="details-title">Details</h2>
        <Form method="post" action={self} className="stack narrow-left">
          <CsrfInput />
          <CourseFields values={values as Record<string, string>} errors={result?.errors} />
          <button type="submit" name="intent" value="update">
            Save details
          </button>
        </Form>
      </section>
    </section>
  );
}

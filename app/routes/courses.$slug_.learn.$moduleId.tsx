import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { SubmitButton } from "~/components/submit-button";
import { CsrfInput, FormStatus } from "~/components/forms";
import { requireUser, requireUserWithPermission } from "~/modules/auth/auth.server";
import { completeModule, findEnrollment, getProgress, loadAccessibleModule } from "~/modules/marketplace/access.server";
import { findCourseBySlug, listModules, publicModule } from "~/modules/marketplace/courses.server";
import { AppError, errorResponse, toAppError } from "~/utils/errors";
import { formError, readForm, type FormResult } from "~/utils/forms.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.module.title ?? "Module"} · ${data?.course.title ?? ""} · Coursemint` }];

async function load(app: Parameters<typeof loadAccessibleModule>[0], request: Request, slug: string, moduleId: string) {
  const user = await requireUser(app, request);
  const course = await findCourseBySlug(app, slug);
  if (!course) throw errorResponse(AppError.notFound("Course"), app.requestId);
  try {
    return { user, ...(await loadAccessibleModule(app, user, course.id, moduleId)) };
  } catch (error) {
    throw errorResponse(toAppError(error), app.requestId);
  }
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const { user, course, module } = await load(app, request, params.slug ?? "", params.moduleId ?? "");
  const [modules, enrollment] = await Promise.all([listModules(app, course.id), findEnrollment(app, course.id, user.id)]);
  const enrolled = enrollment?.status === "active";
  return {
    course: { id: course.id, slug: course.slug, title: course.title },
    module: publicModule(module),
    modules: modules.map(publicModule),
    fileUrl: `/api/courses/${course.id}/modules/${module.id}/file`,
    progress: enrolled ? await getProgress(app, user.id, course.id) : null,
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "update:progress:own");
  const { course, module } = await load(app, request, params.slug ?? "", params.moduleId ?? "");
  try {
    const progress = await completeModule(app, user, course.id, module.id);
    return data<FormResult>({ ok: progress.completed ? "Course completed — congratulations!" : "Module marked complete." });
  } catch (error) {
    return formError(app, error, {});
  }
}

function Viewer({ contentType, url, title }: { contentType: string | null; url: string; title: string }) {
  if (!contentType) return <p className="muted">This module has no file.</p>;
  if (contentType.startsWith("video/")) return <video src={url} controls preload="metadata" className="media" aria-label={title} />;
  if (contentType.startsWith("audio/")) return <audio src={url} controls preload="metadata" aria-label={title} />;
  if (contentType.startsWith("image/")) return <img src={url} alt={title} className="media" />;
  if (contentType === "application/pdf") return <iframe src={url} title={title} className="media pdf" />;
  return <iframe src={url} title={title} className="media text" />;
}

export default function LearnModule() {
  const { course, module, modules, fileUrl, progress } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  const index = modules.findIndex((m) => m.id === module.id);
  const next = modules[index + 1];
  const done = progress?.completedModuleIds.includes(module.id);
  return (
    <article className="stack">
      <p>
        <Link to={`/courses/${course.slug}`}>← {course.title}</Link>
      </p>
      <h1>{module.title}</h1>
      <FormStatus result={result} />
      <Viewer contentType={module.contentType} url={fileUrl} title={module.title} />
      <p>
        <a href={fileUrl} target="_blank" rel="noreferrer">
          Open {module.fileName}
        </a>
      </p>
      {progress ? (
        done ? (
          <p data-testid="module-done">✓ You completed this module.</p>
        ) : (
          <Form method="post">
            <CsrfInput />
            <SubmitButton pendingText="Saving…">Mark as complete</SubmitButton>
          </Form>
        )
      ) : null}
      {next ? <Link to={`/courses/${course.slug}/learn/${next.id}`}>Next: {next.title} →</Link> : null}
    </article>
  );
}

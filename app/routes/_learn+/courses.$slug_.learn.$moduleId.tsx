import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { SubmitButton } from "~/components/submit-button";
import { CsrfInput, FormStatus } from "~/components/forms";
import { requireUser, requireUserWithPermission } from "~/modules/auth/auth.server";
import type { SessionUser } from "~/modules/auth/session.server";
import type { AppContext } from "~/context.server";
import { completeModule, downloadsFreely, loadAccessibleModule, loadModulePage } from "~/modules/marketplace/access.server";
import { FEATURES, TIERS, upgradeUrl } from "~/modules/subscriptions/tiers";
import { Icon } from "~/components/icon";
import { findCourseBySlug, isOwner, publicModule } from "~/modules/marketplace/courses.server";
import { renderMarkdown } from "~/modules/marketplace/markdown.server";
import { AppError, errorResponse, toAppError } from "~/utils/errors";
import { formError, readForm, type FormResult } from "~/utils/forms.server";
import { branded } from "~/utils/meta";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [{ title: branded(matches, `${data?.module.title ?? "Module"} · ${data?.course.title ?? ""} · Coursemint`) }];

/** Notes larger than this are offered as a download instead of being rendered in the page. */
const INLINE_TEXT_BYTES = 512 * 1024;

/**
 * The module, or: the login page (signed out), 404 (no such course/module), or — for a learner
 * who is not enrolled — the course page with its Buy button and a message saying why.
 */
async function load(app: AppContext, request: Request, slug: string, moduleId: string, user?: SessionUser) {
  user ??= await requireUser(app, request);
  const course = await findCourseBySlug(app, slug);
  if (!course) throw errorResponse(AppError.notFound("Course"), app.requestId);
  try {
    return { user, ...(await loadAccessibleModule(app, user, course.id, moduleId)) };
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === "forbidden") throw redirect(`/courses/${course.slug}?enroll=required`);
    throw errorResponse(appError, app.requestId);
  }
}

async function readNotes(app: AppContext, key: string | null, size: number | null) {
  if (!key || (size ?? 0) > INLINE_TEXT_BYTES) return null;
  const object = await app.env.UPLOADS.get(key);
  return object ? await object.text() : null;
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUser(app, request);
  const slug = params.slug ?? "";
  let page;
  try {
    // Viewing is for everyone with access; downloading is the `offline_downloads` perk.
    page = await loadModulePage(app, user, slug, params.moduleId ?? "");
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === "forbidden") throw redirect(`/courses/${slug}?enroll=required`);
    throw errorResponse(appError, app.requestId);
  }
  const { course, module, modules, canDownload, progress } = page;
  const isMarkdown = !!module.contentType?.startsWith("text/markdown");
  const isText = !!module.contentType?.startsWith("text/");
  const text = isText ? await readNotes(app, module.r2Key, module.sizeBytes) : null;
  return {
    course: { id: course.id, slug: course.slug, title: course.title },
    module: publicModule(module),
    modules: modules.map(publicModule),
    fileUrl: `/api/courses/${course.id}/modules/${module.id}/file`,
    canDownload,
    // Markdown is rendered and sanitized on the server (raw HTML and unsafe links never pass).
    html: isMarkdown && text !== null ? renderMarkdown(text) : null,
    plainText: !isMarkdown && text !== null ? text : null,
    progress,
    // The course's instructor (or an admin) looking at it without an enrollment: a preview.
    previewing: progress === null && downloadsFreely(user, course),
    editUrl: isOwner(user, course) ? `/instructor/courses/${course.id}` : null,
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "update:progress:own");
  const { course, module } = await load(app, request, params.slug ?? "", params.moduleId ?? "", user);
  try {
    const progress = await completeModule(app, user, course.id, module.id);
    return data<FormResult>({ ok: progress.completed ? "Course completed — congratulations!" : "Module marked complete." });
  } catch (error) {
    return formError(app, error, {});
  }
}

/** Where downloading stands: a Download link (the perk, or the course's instructor / an admin) or why not. */
function DownloadNote({ url, fileName, canDownload }: { url: string; fileName: string | null; canDownload: boolean }) {
  if (canDownload) {
    return (
      <p>
        <a href={`${url}?download=1`} download={fileName ?? undefined} data-testid="module-download">
          Download {fileName ?? "the file"}
        </a>{" "}
        <span className="muted">for offline study</span>
      </p>
    );
  }
  return (
    <p className="muted" data-testid="download-locked">
      <Icon name="lock" /> You can study this module here. {FEATURES.offline_downloads.label} is a {TIERS.pro.name} perk.{" "}
      <Link to={upgradeUrl("offline_downloads")}>Upgrade to {TIERS.pro.name}</Link>
    </p>
  );
}

function Viewer({ contentType, url, title, html, plainText, fileName, canDownload }: { contentType: string | null; url: string; title: string; html: string | null; plainText: string | null; fileName: string | null; canDownload: boolean }) {
  if (!contentType) return <p className="muted">This module has no file.</p>;
  const download = <DownloadNote url={url} fileName={fileName} canDownload={canDownload} />;
  if (html !== null) return <><div className="prose" data-testid="module-markdown" dangerouslySetInnerHTML={{ __html: html }} />{download}</>;
  if (plainText !== null) return <><pre className="module-text">{plainText}</pre>{download}</>;
  if (contentType.startsWith("video/")) return <><video src={url} controls preload="metadata" className="media" aria-label={title} />{download}</>;
  if (contentType.startsWith("audio/")) return <><audio src={url} controls preload="metadata" aria-label={title} />{download}</>;
  if (contentType.startsWith("image/")) return <><img src={url} alt={title} className="media" />{download}</>;
  if (contentType === "application/pdf") {
    return (
      <div className="stack">
        <iframe src={url} title={`${title} (PDF)`} className="media pdf" data-testid="module-pdf" />
        <p className="muted">
          If the PDF does not show here:{" "}
          <a href={url} target="_blank" rel="noreferrer">
            Open {fileName ?? "the PDF"}
          </a>{" "}
          in a new tab.
        </p>
        {download}
      </div>
    );
  }
  // Notes too large to show in the page: opened in a tab as plain text.
  return (
    <div className="stack">
      <p>
        <a href={url} target="_blank" rel="noreferrer">
          Open {fileName ?? "the file"}
        </a>{" "}
        in a new tab.
      </p>
      {download}
    </div>
  );
}

export default function LearnModule() {
  const { course, module, modules, fileUrl, canDownload, progress, html, plainText, previewing, editUrl } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  const index = modules.findIndex((m) => m.id === module.id);
  const previous = index > 0 ? modules[index - 1] : undefined;
  const next = modules[index + 1];
  const doneIds = new Set(progress?.completedModuleIds ?? []);
  const done = doneIds.has(module.id);
  const completedCount = modules.filter((m) => doneIds.has(m.id)).length;
  const learnUrl = (id: string) => `/courses/${course.slug}/learn/${id}`;
  return (
    <div className="learn-layout">
      <aside className="learn-outline" aria-labelledby="outline-title">
        <p>
          <Link to={`/courses/${course.slug}`}>← {course.title}</Link>
        </p>
        {progress ? (
          <div className="learn-progress" data-testid="course-progress">
            <label htmlFor="course-progress-bar">
              {completedCount} of {modules.length} module{modules.length === 1 ? "" : "s"} complete
            </label>
            <progress id="course-progress-bar" max={modules.length || 1} value={completedCount}>
              {completedCount} of {modules.length}
            </progress>
          </div>
        ) : null}
        <h2 id="outline-title" className="outline-title">
          Course content
        </h2>
        <ol className="outline" data-testid="outline">
          {modules.map((m, i) => (
            <li key={m.id} className={doneIds.has(m.id) ? "done" : undefined}>
              <Link to={learnUrl(m.id)} aria-current={m.id === module.id ? "page" : undefined}>
                <span className="outline-mark" aria-hidden="true">
                  {doneIds.has(m.id) ? "✓" : i + 1}
                </span>
                <span>{m.title}</span>
                {doneIds.has(m.id) ? <span className="sr-only"> (completed)</span> : null}
              </Link>
            </li>
          ))}
        </ol>
      </aside>
      <article className="learn-main stack">
        <p className="muted">
          Module {index + 1} of {modules.length}
        </p>
        <h1>{module.title}</h1>
        {previewing ? (
          <p className="alert" data-testid="module-preview">
            Preview: this is the module as your learners see it. Nothing you do here counts as progress.
            {editUrl ? (
              <>
                {" "}
                <Link to={editUrl}>Back to the course editor</Link>
              </>
            ) : null}
          </p>
        ) : null}
        <FormStatus result={result} />
        <Viewer contentType={module.contentType} url={fileUrl} title={module.title} html={html} plainText={plainText} fileName={module.fileName} canDownload={canDownload} />
        <div className="learn-actions">
          {progress ? (
            done ? (
              <p className="done-note" data-testid="module-done">
                ✓ You completed this module.
              </p>
            ) : (
              <Form method="post">
                <CsrfInput />
                <SubmitButton pendingText="Saving…">Mark as complete</SubmitButton>
              </Form>
            )
          ) : null}
        </div>
        <nav className="pager" aria-label="Modules">
          {previous ? (
            <Link to={learnUrl(previous.id)} rel="prev" className="button secondary">
              ← Previous<span className="sr-only">: {previous.title}</span>
            </Link>
          ) : (
            <span />
          )}
          {next ? (
            <Link to={learnUrl(next.id)} rel="next" className="button">
              Next: {next.title} →
            </Link>
          ) : progress?.completed ? (
            <Link to="/learning" className="button">
              Back to My learning
            </Link>
          ) : null}
        </nav>
      </article>
    </div>
  );
}

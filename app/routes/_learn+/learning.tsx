import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { CourseCover } from "~/components/course-cover";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { certificatePdfPath, listCertificates } from "~/modules/marketplace/certificates.server";
import { listMyLearning } from "~/modules/marketplace/learning.server";
import { hasFeature } from "~/modules/subscriptions/entitlements.server";
import { TIERS, upgradeUrl } from "~/modules/subscriptions/tiers";
import { CATEGORY_LABELS } from "~/modules/marketplace/rules";
import { Icon } from "~/components/icon";
import { branded } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [{ title: branded(matches, "My learning · Coursemint") }];

/**
 * The signed-in learner's courses with progress and where to continue. A completed course links
 * its certificate PDF when the learner's tier has certificates; otherwise it says they are a Pro
 * perk, with an upgrade link (never a link that only leads to the upsell).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "read:account:own");
  const [items, certificatesUnlocked] = await Promise.all([listMyLearning(app, user.id), hasFeature(app, user.id, "certificates")]);
  const certificatePdfs: Record<string, string> = {};
  if (certificatesUnlocked && items.some((i) => i.completedAt)) {
    for (const c of await listCertificates(app, user.id)) if (c.status === "valid") certificatePdfs[c.courseId] = certificatePdfPath(c.code);
  }
  return { name: user.name, items, certificatesUnlocked, certificatePdfs };
}

export default function MyLearning() {
  const { name, items, certificatesUnlocked, certificatePdfs } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const completed = items.filter((i) => i.completedAt).length;
  return (
    <div className="stack-lg">
      <header className="stack">
        {params.get("welcome") ? (
          <p className="alert success" role="status">
            Welcome to Coursemint, {name}! Your account is ready.
          </p>
        ) : null}
        <h1>My learning</h1>
        {items.length ? (
          <p className="muted">
            {items.length} course{items.length === 1 ? "" : "s"}
            {completed ? ` · ${completed} completed` : ""}
            {certificatesUnlocked ? (
              <>
                {" "}
                · <Link to="/certificates">Your certificates</Link>
              </>
            ) : null}
          </p>
        ) : null}
      </header>
      {items.length ? (
        <ul className="learning-list" data-testid="learning-list">
          {items.map(({ course, progress, next, completedAt, started }) => {
            const label = `${progress.completed} of ${progress.total} module${progress.total === 1 ? "" : "s"} complete`;
            const barId = `progress-${course.id}`;
            return (
              <li key={course.id} className="card learning-card" data-testid="learning-course">
                <Link to={`/courses/${course.slug}`} tabIndex={-1} aria-hidden="true" className="learning-cover">
                  <CourseCover course={course} label={CATEGORY_LABELS[course.category]} size="thumb" />
                </Link>
                <div className="stack learning-body">
                  <div>
                    <h2>
                      <Link to={`/courses/${course.slug}`}>{course.title}</Link>
                    </h2>
                    <p className="muted">By {course.instructorName}</p>
                  </div>
                  <div className="learning-progress">
                    <label htmlFor={barId}>{label}</label>
                    <progress id={barId} max={progress.total || 1} value={progress.completed}>
                      {progress.percent}%
                    </progress>
                  </div>
                  <div className="actions">
                    {next ? (
                      <Link to={`/courses/${course.slug}/learn/${next.id}`} className="button" data-testid="continue">
                        {completedAt ? "Review" : started ? "Continue" : "Start"}
                        <span className="sr-only">
                          {" "}
                          {course.title}: {next.title}
                        </span>
                      </Link>
                    ) : (
                      <span className="muted">No modules yet</span>
                    )}
                    {completedAt && certificatePdfs[course.id] ? (
                      <a href={certificatePdfs[course.id]} download data-testid="certificate-link">
                        <Icon name="graduation-cap" /> Download certificate (PDF)<span className="sr-only"> for {course.title}</span>
                      </a>
                    ) : completedAt && !certificatesUnlocked ? (
                      <span className="muted" data-testid="certificate-locked">
                        <Icon name="lock" /> Certificates of completion are a {TIERS.pro.name} perk.{" "}
                        <Link to={upgradeUrl("certificates")}>
                          Upgrade to {TIERS.pro.name}
                          <span className="sr-only"> to get a certificate for {course.title}</span>
                        </Link>
                      </span>
                    ) : next && !completedAt ? (
                      <span className="muted">Next: {next.title}</span>
                    ) : null}
                  </div>
                </div>
              </li>
            );
          })}
        </ul>
      ) : (
        <div className="card empty-state stack" data-testid="learning-empty">
          <h2>You have no courses yet</h2>
          <p>Courses you buy or enroll in appear here, with your progress and a button to continue where you left off.</p>
          <p>
            <Link to="/courses" className="button">
              Browse the catalog
            </Link>
          </p>
        </div>
      )}
    </div>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { Icon } from "~/components/icon";
import { StatusBadge } from "~/components/status";
import { When } from "~/components/when";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { linkedInAddUrl, listCertificates, ownCertificate } from "~/modules/marketplace/certificates.server";
import { hasFeature } from "~/modules/subscriptions/entitlements.server";
import { FEATURES, TIERS, upgradeUrl } from "~/modules/subscriptions/tiers";
import { branded } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [{ title: branded(matches, "Certificates · Coursemint") }];

/**
 * Certificates of completion (a Pro feature): each completed course as a certificate with its PDF,
 * its public verification page and an "Add to LinkedIn" link. Free users see it locked, with an
 * upgrade link.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "read:account:own");
  if (!(await hasFeature(app, user.id, "certificates"))) return { locked: true as const, certificates: [] };
  const certificates = await listCertificates(app, user.id);
  return {
    locked: false as const,
    certificates: certificates.map((c) => {
      const own = ownCertificate(app, c);
      return {
        ...own,
        courseSlug: c.courseSlug,
        verifyPath: new URL(own.verifyUrl).pathname,
        pdfPath: new URL(own.pdfUrl).pathname,
        linkedInUrl: linkedInAddUrl(app, c),
      };
    }),
  };
}

export default function Certificates() {
  const { locked, certificates } = useLoaderData<typeof loader>();
  return (
    <section className="stack">
      <h1>Certificates</h1>
      {locked ? (
        <div className="card locked" data-testid="feature-locked">
          <p>
            <Icon name="lock" /> {FEATURES.certificates.label} are part of Coursemint {TIERS.pro.name}: a PDF for each course you complete, with a
            link anyone (an employer, say) can open to check it.
          </p>
          <Link className="button" to={upgradeUrl("certificates")}>
            Upgrade to {TIERS.pro.name}
          </Link>
        </div>
      ) : certificates.length ? (
        <>
          <p className="muted">
            Each certificate carries a code and a link that anyone can open, without an account, to check that it is genuine. Share the link or
            the PDF.
          </p>
          <ul className="stack" data-testid="feature-unlocked">
            {certificates.map((c) => (
              <li key={c.code} className="card stack" data-testid="certificate">
                <div>
                  <h2>
                    <Link to={`/courses/${c.courseSlug}`}>{c.courseTitle}</Link>
                  </h2>
                  <p className="muted">
                    Taught by {c.instructorName} · completed <When ms={c.completedAt} /> · <StatusBadge kind="certificate" status={c.status} />
                  </p>
                  <p className="muted">
                    Certificate code <span data-testid="certificate-code">{c.code}</span>
                  </p>
                  {c.status === "revoked" ? (
                    <p className="alert" role="note">
                      This certificate was revoked because your access to the course was withdrawn (a refund or a dispute). Its verification page says
                      so.
                    </p>
                  ) : null}
                </div>
                <div className="actions">
                  {c.status === "valid" ? (
                    <a className="button" href={c.pdfPath} download data-testid="certificate-pdf">
                      Download PDF<span className="sr-only"> certificate for {c.courseTitle}</span>
                    </a>
                  ) : null}
                  <Link to={c.verifyPath} data-testid="certificate-verify">
                    Verification page<span className="sr-only"> for {c.courseTitle}</span>
                  </Link>
                  {c.status === "valid" ? (
                    <a href={c.linkedInUrl} target="_blank" rel="noopener noreferrer">
                      Add to LinkedIn<span className="sr-only"> (opens LinkedIn in a new tab)</span>
                    </a>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <div data-testid="feature-unlocked">
          <EmptyState title="No certificates yet" action={<Link to="/learning">Go to My learning</Link>}>
            Certificates are unlocked. Complete every module of a course to earn its certificate.
          </EmptyState>
        </div>
      )}
    </section>
  );
}

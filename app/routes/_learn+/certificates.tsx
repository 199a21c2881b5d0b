import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { EmptyState } from "~/components/empty-state";
import { When } from "~/components/when";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { listCertificates } from "~/modules/subscriptions/features.server";
import { hasFeature } from "~/modules/subscriptions/entitlements.server";
import { FEATURES, TIERS, upgradeUrl } from "~/modules/subscriptions/tiers";
import { Icon } from "~/components/icon";

export const meta: MetaFunction = () => [{ title: "Certificates · Coursemint" }];

/** Certificates of completion: a Pro feature. Free users see it locked, with an upgrade link. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "read:account:own");
  if (!(await hasFeature(app, user.id, "certificates"))) return { locked: true as const, certificates: [] };
  return { locked: false as const, certificates: await listCertificates(app, user.id) };
}

export default function Certificates() {
  const { locked, certificates } = useLoaderData<typeof loader>();
  return (
    <section className="stack">
      <h1>Certificates</h1>
      {locked ? (
        <div className="card locked" data-testid="feature-locked">
          <p>
            <Icon name="lock" /> {FEATURES.certificates.label} are part of Coursemint {TIERS.pro.name}.
          </p>
          <Link className="button" to={upgradeUrl("certificates")}>
            Upgrade to {TIERS.pro.name}
          </Link>
        </div>
      ) : certificates.length ? (
        <ul data-testid="feature-unlocked">
          {certificates.map((c) => (
            <li key={c.certificateId} id={c.certificateId}>
              <strong>{c.courseTitle}</strong> · completed <When ms={c.completedAt} /> · certificate <code>{c.certificateId}</code>
            </li>
          ))}
        </ul>
      ) : (
        <div data-testid="feature-unlocked">
          <EmptyState title="No certificates yet" action={<Link to="/courses">Find a course</Link>}>
            Certificates are unlocked. Complete a course to earn your first one.
          </EmptyState>
        </div>
      )}
    </section>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { BundleCards } from "~/components/bundle-cards";
import { EmptyState } from "~/components/empty-state";
import { listPublishedBundles } from "~/modules/marketplace/bundles.server";
import { branded } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [
  { title: branded(matches, "Course bundles · Coursemint") },
  { name: "description", content: "Several courses at one price: buy a bundle and pay less for the courses you already own." },
];

export async function loader({ context }: LoaderFunctionArgs) {
  return { bundles: await listPublishedBundles(context.app, 50) };
}

export default function BundlesIndex() {
  const { bundles } = useLoaderData<typeof loader>();
  return (
    <section className="stack-lg">
      <header className="stack">
        <h1>Course bundles</h1>
        <p className="muted">Several courses at one price. If you already own some of a bundle's courses, you pay less: their share of the bundle price is taken off.</p>
        <p>
          <Link to="/courses">Browse single courses</Link>
        </p>
      </header>
      {bundles.length ? <BundleCards bundles={bundles} /> : <EmptyState title="No bundles yet">Instructors have not published any bundles yet. Browse the single courses meanwhile.</EmptyState>}
    </section>
  );
}

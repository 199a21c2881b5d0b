import { Link } from "@remix-run/react";
import { CourseCover } from "~/components/course-cover";
import { useFormat } from "~/utils/format";

/** A published bundle as the catalog shows it (bundles.server.ts `publicBundleCard`). */
export type BundleCard = { id: string; slug: string; title: string; price: { amount: number; currency: string }; separately: number; courseCount: number; coverUrl: string | null };

/** Bundle cards for /bundles and the catalog's bundle row. */
export function BundleCards({ bundles }: { bundles: BundleCard[] }) {
  const f = useFormat();
  return (
    <ul className="course-grid" data-testid="bundle-cards">
      {bundles.map((b) => (
        <li key={b.id} className="card course-card">
          <CourseCover course={{ id: b.id, title: b.title, coverUrl: b.coverUrl }} label="Bundle" />
          <h3>
            <Link to={`/bundles/${b.slug}`}>{b.title}</Link>
          </h3>
          <p className="muted">
            {f.plural(b.courseCount, "course")} · {f.money(b.price.amount, b.price.currency)}
            {b.separately > b.price.amount ? ` (${f.money(b.separately, b.price.currency)} one by one)` : ""}
          </p>
        </li>
      ))}
    </ul>
  );
}


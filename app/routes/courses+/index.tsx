import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { CoursePrice, saleFreshnessHeaders } from "~/components/course-price";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { NextPageLink } from "~/components/pagination";
import { Select } from "~/components/course-fields";
import { Field } from "~/components/forms";
import { listCourses, listingQuerySchema } from "~/modules/marketplace/listing.server";
import { listPublishedBundles } from "~/modules/marketplace/bundles.server";
import { BundleCards } from "~/components/bundle-cards";
import { CATEGORY_LABELS, COURSE_CATEGORIES, COURSE_LANGUAGES, COURSE_LEVELS, LANGUAGE_LABELS, LISTING_SORTS } from "~/modules/marketplace/rules";
import { zodFieldErrors } from "~/utils/errors";
import { parseAmount } from "~/utils/money";
import { CourseCover } from "~/components/course-cover";
import { StarRating } from "~/components/stars";
import { useFormat } from "~/utils/format";
import { EmptyState } from "~/components/empty-state";
import { branded } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [{ title: branded(matches, "Courses · Coursemint") }, { name: "description", content: "Browse courses by category, level, language, price and rating." }];

/** The page's price fields are typed in the store currency ("12.50"); the listing takes minor units. */
const PRICE_FIELDS = { from: "minPrice", upTo: "maxPrice" } as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params: Record<string, string> = Object.fromEntries([...new URL(request.url).searchParams].filter(([, v]) => v !== ""));
  const currency = context.app.config.STRIPE_CURRENCY;
  for (const [field, key] of Object.entries(PRICE_FIELDS)) {
    if (params[field] !== undefined) {
      const parsed = parseAmount(params[field], currency);
      params[key] = parsed.ok ? String(parsed.amount) : "invalid";
    }
    delete params[field];
  }
  const parsed = listingQuerySchema.safeParse(params);
  if (!parsed.success) {
    const errors = zodFieldErrors(parsed.error);
    for (const [field, key] of Object.entries(PRICE_FIELDS)) {
      if (errors[key]) errors[field] = ["Enter an amount in dollars, like 12.50 (and “from” no higher than “up to”)"];
      delete errors[key];
    }
    return { items: [], nextCursor: null, errors, bundles: [] };
  }
  // The first page without filters also shows the newest bundles (read beside the courses, same round trip).
  const plain = Object.keys(params).length === 0;
  const [list, bundles] = await Promise.all([listCourses(context.app, parsed.data), plain ? listPublishedBundles(context.app, 3) : Promise.resolve([])]);
  const { items, nextCursor, priceChangesAt } = list;
  return data({ items, nextCursor, errors: null, bundles }, priceChangesAt ? { headers: { "X-Edge-Fresh-Until": String(priceChangesAt) } } : undefined);
}

export const headers = saleFreshnessHeaders;

const SORT_LABELS: Record<(typeof LISTING_SORTS)[number], string> = {
  popular: "Most popular",
  newest: "Newest",
  rating: "Highest rated",
  price_asc: "Price: low to high",
  price_desc: "Price: high to low",
};
const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

export default function Catalog() {
  const { items, nextCursor, errors, bundles } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const v = (k: string) => params.get(k) ?? "";
  const f = useFormat();
  const activeFilters = ["q", "category", "level", "language", "price", "from", "upTo", "minRating"].filter((k) => v(k)).length;
  return (
    <div className="catalog">
      <h1 className="catalog-title">Courses</h1>
      {/* Filters collapse behind this disclosure on narrow screens; wide screens always show them (CSS). */}
      <details className="disclosure catalog-filters" open={errors ? true : undefined}>
        <summary>Filter and sort{activeFilters ? ` (${activeFilters} active)` : ""}</summary>
        <Form method="get" className="stack filters" aria-label="Filter courses">
          <div className="field">
            <label htmlFor="field-q">Search</label>
            <input id="field-q" name="q" type="search" defaultValue={v("q")} maxLength={100} />
          </div>
          <Select label="Category" name="category" value={v("category")} options={COURSE_CATEGORIES.map((c) => [c, CATEGORY_LABELS[c]])} errors={errors ?? undefined} />
          <Select label="Level" name="level" value={v("level")} options={COURSE_LEVELS.map((l) => [l, cap(l)])} errors={errors ?? undefined} />
          <Select label="Language" name="language" value={v("language")} options={COURSE_LANGUAGES.map((l) => [l, LANGUAGE_LABELS[l]])} errors={errors ?? undefined} />
          <Select label="Price" name="price" value={v("price")} options={[["free", "Free"], ["paid", "Paid"]]} errors={errors ?? undefined} />
          <Field label="Price from ($)" name="from" inputMode="decimal" defaultValue={v("from")} errors={errors ?? undefined} />
          <Field label="Price up to ($)" name="upTo" inputMode="decimal" defaultValue={v("upTo")} errors={errors ?? undefined} />
          <Select label="Minimum rating" name="minRating" value={v("minRating")} options={[["4.5", "4.5 and up"], ["4", "4 and up"], ["3", "3 and up"]]} errors={errors ?? undefined} />
          {v("instructor") ? <input type="hidden" name="instructor" value={v("instructor")} /> : null}
          <div className="field">
            <label htmlFor="field-sort">Sort by</label>
            <select id="field-sort" name="sort" defaultValue={v("sort") || "popular"}>
              {LISTING_SORTS.map((s) => (
                <option key={s} value={s}>
                  {SORT_LABELS[s]}
                </option>
              ))}
            </select>
          </div>
          <div className="form-actions">
            <button type="submit">Apply filters</button>
            {activeFilters ? <Link to="/courses">Clear filters</Link> : null}
          </div>
        </Form>
      </details>
      {bundles.length ? (
        <section aria-labelledby="catalog-bundles" className="stack catalog-bundles">
          <h2 id="catalog-bundles">Bundles</h2>
          <BundleCards bundles={bundles} />
          <p>
            <Link to="/bundles">All bundles →</Link>
          </p>
        </section>
      ) : null}
      <section aria-label="Results" className="stack">
        {errors ? (
          <div className="alert error" role="alert">
            Some filters could not be used: check the fields marked in the filters.
          </div>
        ) : null}
        {items.length ? (
          <ul className="course-list">
            {items.map((c) => (
              <li key={c.id} className="card course-card course-card-media">
                <CourseCover course={c} label={CATEGORY_LABELS[c.category]} size="thumb" />
                <div>
                  <h2>
                    <Link to={`/courses/${c.slug}`}>{c.title}</Link>
                  </h2>
                  <p className="muted">
                    {c.instructor.name} · {CATEGORY_LABELS[c.category]} · {cap(c.level)} · {LANGUAGE_LABELS[c.language]}
                  </p>
                  <p>
                    <StarRating average={c.rating.average} count={c.rating.count} compact />
                  </p>
                  <p>
                    <CoursePrice course={c} /> · {f.plural(c.enrollmentCount, "learner")}
                  </p>
                </div>
              </li>
            ))}
          </ul>
        ) : (
          <EmptyState title={activeFilters ? "No courses match these filters" : "No courses yet"} action={activeFilters ? <Link to="/courses">Clear filters</Link> : null}>
            {activeFilters ? "Try fewer filters or another search." : "Published courses will appear here."}
          </EmptyState>
        )}
        <NextPageLink cursor={nextCursor}>Next page →</NextPageLink>
      </section>
    </div>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirectDocument } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { CsrfInput, Field, FormStatus } from "~/components/forms";
import { discountFor, TOKEN_RULES } from "~/modules/tokens/config";
import { useRootData } from "~/root";
import { getUser, requireUser, requireUserWithPermission } from "~/modules/auth/auth.server";
import { hasPermission, type Permission } from "~/modules/auth/permissions";
import { getProgress } from "~/modules/marketplace/access.server";
import { purchaseCourse } from "~/modules/marketplace/checkout.server";
import { canView, findCourseBySlug, getCourseView, updateCourse } from "~/modules/marketplace/courses.server";
import { priceFor } from "~/modules/marketplace/purchase.server";
import { findOwnReview, listReviewsOf, upsertReview } from "~/modules/marketplace/reviews.server";
import { CATEGORY_LABELS, LANGUAGE_LABELS, REVIEW_BODY_MAX } from "~/modules/marketplace/rules";
import { AppError, errorResponse, parseOrThrow } from "~/utils/errors";
import { formError, integerFromString, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { formatMoney, type Currency } from "~/utils/money";

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  if (!data) return [{ title: "Course not found · Coursemint" }];
  const { course } = data.view;
  const image = `${data.origin}/courses/${course.slug}/og.png`;
  const description = course.description.slice(0, 200);
  return [
    { title: `${course.title} · Coursemint` },
    { name: "description", content: description },
    { property: "og:title", content: course.title },
    { property: "og:description", content: description },
    { property: "og:image", content: image },
    { property: "og:type", content: "website" },
    { name: "twitter:card", content: "summary_large_image" },
  ];
};

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  // Two sequential D1 round trips (issue 16): the viewer and the course together, then everything
  // the page shows together (progress is read for any signed-in viewer and kept only if enrolled).
  const [viewer, course] = await Promise.all([getUser(app, request), findCourseBySlug(app, params.slug ?? "")]);
  const notFound = () => new Response(JSON.stringify({ error: { code: "not_found", message: "Course not found." } }), { status: 404, headers: { "Content-Type": "application/json" } });
  if (!course || !canView(viewer, course)) throw notFound();
  const url = new URL(request.url);
  const [view, reviews, ownReview, progress, price] = await Promise.all([
    getCourseView(app, viewer, course).catch(() => {
      throw notFound();
    }),
    listReviewsOf(app, course, { cursor: url.searchParams.get("reviews") ?? undefined, limit: "10" }).catch(() => ({ items: [], nextCursor: null })),
    viewer ? findOwnReview(app, viewer.id, course.id) : Promise.resolve(undefined),
    viewer ? getProgress(app, viewer.id, course.id) : Promise.resolve(null),
    viewer ? priceFor(app, viewer.id, course.priceAmount) : Promise.resolve({ amount: course.priceAmount, discountBps: 0 }),
  ]);
  return { view, reviews, ownReview: ownReview ?? null, progress: view.viewer.enrolled ? progress : null, price, signedIn: !!viewer, origin: url.origin };
}

const intentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("enroll"), tokens: z.string().optional() }),
  z.object({ intent: z.literal("review"), rating: z.string(), body: z.string().optional() }),
  z.object({ intent: z.literal("unpublish") }),
]);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUser(app, request);
  const course = await findCourseBySlug(app, params.slug ?? "");
  if (!course) throw errorResponse(AppError.notFound("Course"), app.requestId);
  try {
    const input = parseOrThrow(intentSchema, Object.fromEntries(form));
    // Each intent needs the permission of what it does (unpublishing: the owner's or a moderator's).
    const needed: Permission =
      input.intent === "enroll" ? "create:enrollment:own" : input.intent === "review" ? "create:review:own" : course.instructorId === user.id ? "update:course:own" : "update:course:any";
    if (!hasPermission(user, needed)) {
      app.logger.warn("auth.forbidden", { userId: user.id, permission: needed });
      throw AppError.forbidden();
    }
    switch (input.intent) {
      case "enroll": {
        // Reward tokens towards the price (held until the payment settles; docs/tokens.md).
        const tokens = input.tokens?.trim() ? Number(input.tokens) : 0;
        if (input.tokens?.trim() && (!Number.isSafeInteger(tokens) || tokens < 0)) throw AppError.validation({ tokens: ["Enter a whole number of tokens"] });
        const outcome = await purchaseCourse(app, user, { courseId: course.id, ...(tokens > 0 ? { tokens } : {}) });
        if (outcome.status === "payment_started" && outcome.payment.nextAction.type === "redirect_to_checkout") {
          // A full page load: the hosted Stripe page is not a Remix route (same origin with the emulator).
          return redirectDocument(outcome.payment.nextAction.url);
        }
        return data<FormResult>({ ok: outcome.status === "already_enrolled" ? "You are already enrolled." : "You are enrolled. Enjoy the course!" });
      }
      case "review": {
        const { created } = await upsertReview(app, user, course.id, { rating: integerFromString(input.rating), body: input.body ?? "" });
        return data<FormResult>({ ok: created ? "Thanks for your review!" : "Your review was updated." });
      }
      case "unpublish": {
        await updateCourse(app, user, course.id, { status: "draft" });
        return data<FormResult>({ ok: "The course was unpublished." });
      }
    }
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

export default function CoursePage() {
  const { view, reviews, ownReview, progress, price, signedIn } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  const [params] = useSearchParams();
  const { course, modules, viewer } = view;
  const currency = course.price.currency as Currency;
  const balance = useRootData()?.tokens ?? 0;
  const usable = discountFor(price.amount, balance);
  const moreReviews = new URLSearchParams(params);
  if (reviews.nextCursor) moreReviews.set("reviews", reviews.nextCursor);
  return (
    <article className="stack-lg course-page">
      <header className="stack">
        <p>
          <Link to="/courses">← All courses</Link>
        </p>
        <h1>{course.title}</h1>
        <p className="muted">
          By <Link to={`/courses?instructor=${course.instructor.id}`}>{course.instructor.name}</Link> · {CATEGORY_LABELS[course.category]} · {cap(course.level)} ·{" "}
          {LANGUAGE_LABELS[course.language]}
        </p>
        <p>
          <span data-testid="rating">{course.rating.count ? `★ ${course.rating.average.toFixed(1)} (${course.rating.count} reviews)` : "No reviews yet"}</span> ·{" "}
          {course.enrollmentCount} learners
        </p>
        {params.get("purchase") === "success" && !viewer.enrolled ? (
          <p className="alert success" role="status">
            Payment received — your access appears as soon as the payment is confirmed. Refresh in a moment.
          </p>
        ) : null}
        {params.get("purchase") === "canceled" ? <p className="alert">Checkout was canceled; nothing was charged.</p> : null}
        <FormStatus result={result} />
        {course.status !== "published" ? <p className="alert">This course is {course.status}.</p> : null}
        {viewer.enrolled ? (
          <p className="alert success" data-testid="enrolled">
            You are enrolled{progress ? ` · ${progress.completedModuleIds.length} of ${progress.totalModules} modules complete` : ""}
            {progress?.completed ? " · Course completed 🎉" : ""}
          </p>
        ) : viewer.canEdit ? (
          <p>
            <Link to={`/instructor/courses/${course.id}`}>Edit this course</Link>
          </p>
        ) : (
          <Form method="post" action={signedIn ? undefined : undefined}>
            <CsrfInput />
            {course.isFree ? (
              <button type="submit" name="intent" value="enroll">
                Enroll for free
              </button>
            ) : (
              <div className="stack">
                {usable.tokens > 0 ? (
                  <div className="narrow-left">
                    <Field
                      label={`Use tokens (you have ${balance.toLocaleString("en-US")}; up to ${usable.tokens.toLocaleString("en-US")} for ${formatMoney(usable.discount, currency)} off)`}
                      name="tokens"
                      type="number"
                      min={0}
                      max={usable.tokens}
                      step={1}
                      defaultValue={result?.values?.tokens ?? "0"}
                      errors={result?.errors}
                      data-testid="checkout-tokens"
                    />
                    <p className="muted">
                      {TOKEN_RULES.courseDiscount.tokensPerUnit} tokens = {formatMoney(100, currency)}, at most half the price. The tokens are held during checkout and
                      returned if the payment does not go through.
                    </p>
                  </div>
                ) : null}
                <button type="submit" name="intent" value="enroll">
                  Buy for {formatMoney(price.amount, currency)}
                  {price.discountBps ? ` (was ${formatMoney(course.price.amount, currency)})` : ""}
                  {usable.tokens > 0 ? " before tokens" : ""}
                </button>
              </div>
            )}
            {!signedIn ? <p className="muted">You will be asked to log in first.</p> : null}
          </Form>
        )}
        {viewer.canModerate && course.status === "published" ? (
          <Form method="post">
            <CsrfInput />
            <button type="submit" name="intent" value="unpublish" className="danger small">
              Unpublish (admin)
            </button>
          </Form>
        ) : null}
      </header>

      <section>
        <h2>About this course</h2>
        <p className="prewrap">{course.description}</p>
      </section>

      <section aria-labelledby="modules-title">
        <h2 id="modules-title">Modules</h2>
        <ol className="modules">
          {modules.map((m) => (
            <li key={m.id}>
              {viewer.canAccess ? <Link to={`/courses/${course.slug}/learn/${m.id}`}>{m.title}</Link> : m.title}
              {progress?.completedModuleIds.includes(m.id) ? <span className="muted"> ✓ done</span> : null}
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="reviews-title" className="stack">
        <h2 id="reviews-title">Reviews</h2>
        {viewer.enrolled ? (
          <Form method="post" className="stack narrow card">
            <CsrfInput />
            <h3>{ownReview ? "Edit your review" : "Review this course"}</h3>
            <div className="field">
              <label htmlFor="field-rating">Rating</label>
              <select id="field-rating" name="rating" defaultValue={String(ownReview?.rating ?? 5)}>
                {[5, 4, 3, 2, 1].map((r) => (
                  <option key={r} value={r}>
                    {r} star{r === 1 ? "" : "s"}
                  </option>
                ))}
              </select>
              {result?.errors?.rating ? <p className="field-errors">{result.errors.rating.join(" ")}</p> : null}
            </div>
            <div className="field">
              <label htmlFor="field-body">Your review</label>
              <textarea id="field-body" name="body" rows={4} maxLength={REVIEW_BODY_MAX} defaultValue={result?.values?.body ?? ownReview?.body ?? ""} />
              {result?.errors?.body ? <p className="field-errors">{result.errors.body.join(" ")}</p> : null}
            </div>
            <button type="submit" name="intent" value="review">
              {ownReview ? "Update review" : "Post review"}
            </button>
          </Form>
        ) : null}
        {reviews.items.length ? (
          <ul className="reviews">
            {reviews.items.map((r) => (
              <li key={r.id} className="card">
                <p>
                  <strong>{"★".repeat(r.rating)}</strong> {r.author.name}
                </p>
                {r.body ? <p className="prewrap">{r.body}</p> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No reviews yet.</p>
        )}
        {reviews.nextCursor ? <Link to={`?${moreReviews}`}>Older reviews →</Link> : null}
      </section>
    </article>
  );
}

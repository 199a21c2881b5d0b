import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirect, redirectDocument } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import * as z from "zod";
import { CheckoutProcessing, waitAttempt } from "~/components/checkout-processing";
import { ConfirmPanel, confirmStepOf } from "~/components/confirm";
import { CsrfInput, Field, FormStatus } from "~/components/forms";
import { SubmitButton } from "~/components/submit-button";
import { cancelCheckoutReturn, settleCheckoutReturn, type CheckoutReturnState } from "~/modules/payments/checkout-return.server";
import { askToConfirm, isConfirmed } from "~/utils/confirm.server";
import { setFlash, takeFlash } from "~/utils/flash.server";
import { discountFor, TOKEN_RULES } from "~/modules/tokens/config";
import { useRootData } from "~/root";
import { getUser, requireUser } from "~/modules/auth/auth.server";
import { hasPermission, type Permission } from "~/modules/auth/permissions";
import { getProgress } from "~/modules/marketplace/access.server";
import { purchaseCourse } from "~/modules/marketplace/checkout.server";
import { canView, findCourseBySlug, getCourseView, updateCourse } from "~/modules/marketplace/courses.server";
import { priceFor } from "~/modules/marketplace/purchase.server";
import { checkCode, describeTerms } from "~/modules/marketplace/coupons.server";
import { priceBreakdown, type PriceBreakdown } from "~/modules/marketplace/price-breakdown";
import { PriceBreakdownList } from "~/components/price-breakdown";
import { saleFreshnessHeaders } from "~/components/course-price";
import { nextPriceChange } from "~/modules/marketplace/sales";
import { now } from "~/utils/clock";
import { findOwnReview, listReviewsOf, upsertReview } from "~/modules/marketplace/reviews.server";
import { isRefundIntent, refundFormAction } from "~/modules/marketplace/refund-form.server";
import { refundOptionForCourse } from "~/modules/marketplace/refund-requests.server";
import { RefundPolicyNote, RefundRequestPanel } from "~/components/refund-request";
import { CATEGORY_LABELS, LANGUAGE_LABELS, REVIEW_BODY_MAX } from "~/modules/marketplace/rules";
import { AppError, errorResponse, parseOrThrow } from "~/utils/errors";
import { formError, integerFromString, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { type Currency } from "~/utils/money";
import { priceTaxNote, TAX_POLICY } from "~/modules/payments/tax";
import { Avatar, CourseCover } from "~/components/course-cover";
import { StarInput, StarRating } from "~/components/stars";
import { useFormat } from "~/utils/format";
import { StatusBadge } from "~/components/status";
import { When } from "~/components/when";
import { Icon } from "~/components/icon";
import { branded } from "~/utils/meta";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => {
  if (!data) return [{ title: branded(matches, "Course not found · Coursemint") }];
  const { course } = data.view;
  const image = `${data.origin}/courses/${course.slug}/og.png`;
  const description = course.description.slice(0, 200);
  return [
    { title: branded(matches, `${course.title} · Coursemint`) },
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
  const coursePath = `/courses/${course.slug}`;
  // Back from Checkout: settle the payment now (the webhook's own path) instead of waiting for
  // the event, and land in the course with access; a payment not confirmed yet shows a
  // processing state that re-runs this loader until it is (components/checkout-processing.tsx).
  let checkout: { state: CheckoutReturnState; message: string | null; attempt: number } | null = null;
  const returnedPayment = url.searchParams.get("payment");
  if (viewer && url.searchParams.get("purchase") === "success" && returnedPayment) {
    const settled = await settleCheckoutReturn(app, viewer.id, returnedPayment);
    if (settled && settled.payment.purpose === "course_purchase" && settled.payment.purposeRef === course.id) {
      if (settled.state === "paid") throw redirect(coursePath, { headers: { "Set-Cookie": setFlash(app, "course_paid", coursePath) } });
      checkout = { state: settled.state, message: settled.payment.failureMessage, attempt: waitAttempt(url) };
    }
  }
  // Back from Checkout with "back": close the payment now, so tokens held for its discount return at once.
  if (viewer && url.searchParams.get("purchase") === "canceled" && returnedPayment) {
    const closed = await cancelCheckoutReturn(app, viewer.id, returnedPayment);
    if (closed?.state === "paid" && closed.payment.purposeRef === course.id) throw redirect(coursePath, { headers: { "Set-Cookie": setFlash(app, "course_paid", coursePath) } });
  }
  const flash = takeFlash(app, request, coursePath);
  const [view, reviews, ownReview, progress, price, refund] = await Promise.all([
    getCourseView(app, viewer, course).catch(() => {
      throw notFound();
    }),
    listReviewsOf(app, course, { cursor: url.searchParams.get("reviews") ?? undefined, limit: "10" }).catch(() => ({ items: [], nextCursor: null })),
    viewer ? findOwnReview(app, viewer.id, course.id) : Promise.resolve(undefined),
    viewer ? getProgress(app, viewer.id, course.id) : Promise.resolve(null),
    priceFor(app, viewer?.id ?? null, course),
    viewer && course.priceAmount > 0 ? refundOptionForCourse(app, viewer.id, course.id) : Promise.resolve(null),
  ]);
  // A promotion code from the "Have a code?" form (GET, so it works without JavaScript): checked in
  // words for this learner and price (rate-limited per account), then shown in the breakdown; the
  // Buy form carries it, and the payment re-checks and reserves it.
  const rawCode = url.searchParams.get("code")?.trim() ?? "";
  let code: { value: string; applied: boolean; error: string | null; terms: string | null } | null = null;
  let breakdown: PriceBreakdown = price.breakdown;
  if (rawCode && course.priceAmount > 0) {
    if (!viewer) code = { value: rawCode, applied: false, error: "Log in to use a code.", terms: null };
    else {
      try {
        const applied = await checkCode(app, viewer, course, price.amount, rawCode);
        // The promotion step is one: the code only if it beats a running sale (as the payment decides).
        const withCode = priceBreakdown({ listPrice: course.priceAmount, currency: course.currency as Currency, tierBps: price.discountBps, sale: price.breakdown.sale, coupon: { code: applied.code, terms: applied.terms, floor: applied.floor } });
        if (withCode.coupon) {
          breakdown = withCode;
          code = { value: applied.code, applied: true, error: null, terms: describeTerms(applied.coupon) };
        } else code = { value: applied.code, applied: false, error: "The sale price is already lower than this code would make it, so the sale applies.", terms: null };
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        code = { value: rawCode, applied: false, error: error.message, terms: null };
      }
    }
  }
  const body = {
    view,
    code,
    breakdown,
    reviews,
    ownReview: ownReview ?? null,
    progress: view.viewer.enrolled ? progress : null,
    price,
    signedIn: !!viewer,
    origin: url.origin,
    checkout,
    justPaid: flash.notice === "course_paid",
    // The viewer's purchase of this course: its refund request, or the offer to ask for one.
    refund,
  };
  // A sale starting or ending changes this page: the edge cache keeps it no longer than that.
  const priceChangesAt = nextPriceChange([course], now());
  return data(body, { headers: { ...(flash.headers as Record<string, string>), ...(priceChangesAt ? { "X-Edge-Fresh-Until": String(priceChangesAt) } : {}) } });
}

export const headers = saleFreshnessHeaders;

const intentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("enroll"), tokens: z.string().optional(), promotionCode: z.string().max(64).optional() }),
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
    if (isRefundIntent(form.get("intent"))) return await refundFormAction(app, user, form);
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
        const promotionCode = input.promotionCode?.trim() || undefined;
        const outcome = await purchaseCourse(app, user, { courseId: course.id, ...(tokens > 0 ? { tokens } : {}), ...(promotionCode ? { promotionCode } : {}) });
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
        if (!isConfirmed(form)) {
          return askToConfirm(form, {
            title: `Unpublish “${course.title}”?`,
            body: "It leaves the catalog at once and nobody new can buy it. Enrolled learners keep their access. The instructor can publish it again.",
            confirmLabel: "Unpublish",
            pendingLabel: "Unpublishing…",
          });
        }
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
  const { view, reviews, ownReview, progress, price, signedIn, checkout, justPaid, refund, code, breakdown } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const confirmStep = confirmStepOf(answer);
  const result = (confirmStep ? undefined : answer) as FormResult | undefined;
  const processing = checkout?.state === "processing" && !view.viewer.enrolled;
  const [params] = useSearchParams();
  const { course, modules, viewer, instructor } = view;
  const currency = course.price.currency as Currency;
  const balance = useRootData()?.tokens ?? 0;
  const f = useFormat();
  const usable = discountFor(breakdown.afterCoupon, balance);
  const moreReviews = new URLSearchParams(params);
  if (reviews.nextCursor) moreReviews.set("reviews", reviews.nextCursor);
  return (
    <article className="stack-lg course-page">
      <header className="stack">
        <p>
          <Link to="/courses">← All courses</Link>
        </p>
        <div className="course-hero">
          <CourseCover course={course} label={CATEGORY_LABELS[course.category]} size="hero" />
          <div className="stack">
            <h1>{course.title}</h1>
            <p className="muted">
              By <Link to={`/instructors/${instructor.id}`}>{instructor.name}</Link> · {CATEGORY_LABELS[course.category]} · {cap(course.level)} · {LANGUAGE_LABELS[course.language]}
            </p>
            <p>
              <StarRating average={course.rating.average} count={course.rating.count} /> · {f.plural(course.enrollmentCount, "learner")}
            </p>
          </div>
        </div>
        {viewer.paused ? (
          <p className="alert error" role="alert" data-testid="access-paused">
            Your access to this course is paused because your bank is disputing your payment for it. If you did not mean to dispute it, ask your bank to withdraw the dispute: access
            comes back as soon as it closes in our favour. Questions? Reply to the email we sent you about it.
          </p>
        ) : null}
        {params.get("enroll") === "required" && !viewer.canAccess && !viewer.paused ? (
          <p className="alert" role="status" data-testid="enroll-required">
            {course.isFree ? "Enroll in this course (it is free) to open its modules." : "Buy this course to open its modules. Once you have access, every module is yours to keep."}
          </p>
        ) : null}
        {justPaid && viewer.enrolled ? (
          <p className="alert success" role="status" data-testid="purchase-complete">
            Thank you! Your payment went through and the course is yours. Start with the first module below.
          </p>
        ) : null}
        {processing ? <CheckoutProcessing attempt={checkout!.attempt} what="the course" /> : null}
        {checkout?.state === "failed" && !viewer.enrolled ? (
          <p className="alert error" role="alert">
            Your payment did not go through{checkout.message ? `: ${checkout.message}` : "."} Nothing was charged; you can try again.
          </p>
        ) : null}
        {params.get("purchase") === "canceled" || (checkout?.state === "canceled" && !viewer.enrolled) ? <p className="alert">Checkout was canceled; nothing was charged.</p> : null}
        <FormStatus result={result} />
        <ConfirmPanel step={confirmStep} />
        {course.status !== "published" ? (
          <p className="alert info">
            This course is <StatusBadge kind="course" status={course.status} />
            {course.status === "draft" ? ": only you and admins can see it." : course.status === "unlisted" ? ": people with the link can buy it, it is not in the catalog." : "."}
          </p>
        ) : null}
        {viewer.enrolled ? (
          <div className="alert success stack" data-testid="enrolled">
            <p>
              You are enrolled{progress ? ` · ${f.number(progress.completedModuleIds.length)} of ${f.plural(progress.totalModules, "module")} complete` : ""}
              {progress?.completed ? (
                <>
                  {" · "}
                  <Icon name="check-circle" /> Course completed
                </>
              ) : null}
            </p>
            {modules.length ? (
              <p>
                <Link className="button" to={`/courses/${course.slug}/learn/${(modules.find((m) => !progress?.completedModuleIds.includes(m.id)) ?? modules[0]!).id}`}>
                  {progress?.completedModuleIds.length ? (progress.completed ? "Revisit the course" : "Continue learning") : "Start learning"}
                </Link>
              </p>
            ) : null}
          </div>
        ) : viewer.canEdit ? (
          <p>
            <Link to={`/instructor/courses/${course.id}`}>Edit this course</Link>
          </p>
        ) : processing || viewer.paused ? null : (
          <Form method="post" action={signedIn ? undefined : undefined}>
            <CsrfInput />
            {course.isFree ? (
              <SubmitButton name="intent" value="enroll" pendingText="Enrolling…">
                Enroll for free
              </SubmitButton>
            ) : (
              <div className="stack">
                {usable.tokens > 0 ? (
                  <div className="narrow-left">
                    <Field
                      label={`Use tokens (you have ${f.number(balance)}; up to ${f.number(usable.tokens)} for ${f.money(usable.discount, currency)} off)`}
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
                      {f.plural(TOKEN_RULES.courseDiscount.tokensPerUnit, "token")} = {f.money(100, currency)}, at most half the price. The tokens are held during checkout and
                      returned if the payment does not go through.
                    </p>
                  </div>
                ) : null}
                {breakdown.sale ? (
                  <p className="badge" data-testid="sale-note">
                    On sale until {f.date(breakdown.sale.endsAt - 1)}
                  </p>
                ) : null}
                {breakdown.total !== breakdown.listPrice ? <PriceBreakdownList breakdown={breakdown} tierName={price.tierName} totalLabel={usable.tokens > 0 ? "You pay (before tokens)" : "You pay"} /> : null}
                {code?.applied ? <input type="hidden" name="promotionCode" value={code.value} /> : null}
                <SubmitButton name="intent" value="enroll" pendingText="Going to checkout…">
                  Buy for {f.money(breakdown.total, currency)}
                  {breakdown.total !== breakdown.listPrice ? ` (was ${f.money(course.price.amount, currency)})` : ""}
                  {usable.tokens > 0 ? " before tokens" : ""}
                </SubmitButton>
                <p className="muted" data-testid="price-tax-note">
                  {TAX_POLICY.pricesIncludeTax[currency]
                    ? `Price ${priceTaxNote(currency)} where it applies; a business with a valid VAT number in another EU country pays no VAT (reverse charge).`
                    : `Price ${priceTaxNote(currency)}: sales tax, GST or VAT is added at checkout from your billing address.`}
                </p>
              </div>
            )}
            {!signedIn ? <p className="muted">You will be asked to log in first.</p> : null}
            {!course.isFree ? <RefundPolicyNote /> : null}
          </Form>
        )}
        {!course.isFree && !viewer.enrolled && !viewer.canEdit && !processing && !viewer.paused ? (
          <Form method="get" className="stack narrow-left" aria-labelledby="code-title" data-testid="code-form">
            <h2 id="code-title" className="h4">
              Have a code?
            </h2>
            {code?.applied ? (
              <p className="alert success" role="status" data-testid="code-applied">
                Code {code.value} applied: {code.terms}. The price above includes it.{" "}
                <Link to={`/courses/${course.slug}`}>Remove the code</Link>
              </p>
            ) : null}
            <div className="code-form">
              <div className="field">
                <label htmlFor="field-code">Promotion code</label>
                <input
                  id="field-code"
                  name="code"
                  autoComplete="off"
                  autoCapitalize="characters"
                  spellCheck={false}
                  maxLength={32}
                  defaultValue={code?.value ?? ""}
                  aria-invalid={code?.error ? true : undefined}
                  aria-describedby={code?.error ? "code-error" : undefined}
                />
                {code?.error ? (
                  <p className="field-errors" id="code-error" role="alert" data-testid="code-error">
                    {code.error}
                  </p>
                ) : null}
              </div>
              <SubmitButton className="secondary" pendingText="Checking…">
                Apply code
              </SubmitButton>
            </div>
          </Form>
        ) : null}
        {refund && (refund.request || (viewer.enrolled && refund.canAskLate)) ? (
          <div className="stack">
            <RefundRequestPanel option={refund} />
            {viewer.enrolled ? <RefundPolicyNote /> : null}
          </div>
        ) : null}
        {viewer.canModerate && course.status === "published" ? (
          <Form method="post">
            <CsrfInput />
            <SubmitButton name="intent" value="unpublish" className="danger small" pendingText="Unpublishing…">
              Unpublish (admin)
            </SubmitButton>
          </Form>
        ) : null}
      </header>

      <section>
        <h2>About this course</h2>
        <p className="prewrap">{course.description}</p>
      </section>

      <section aria-labelledby="instructor-title" className="card instructor-card" data-testid="instructor-card">
        <h2 id="instructor-title">Your instructor</h2>
        <div className="instructor-card-body">
          <Avatar person={instructor} size={64} />
          <div className="stack">
            <p>
              <Link to={`/instructors/${instructor.id}`}>
                <strong>{instructor.name}</strong>
              </Link>
            </p>
            {instructor.bio ? <p className="prewrap">{instructor.bio.length > 400 ? `${instructor.bio.slice(0, 400)}…` : instructor.bio}</p> : null}
            <p>
              <Link to={`/instructors/${instructor.id}`}>
                All courses by {instructor.name}
              </Link>
            </p>
          </div>
        </div>
      </section>

      <section aria-labelledby="modules-title">
        <h2 id="modules-title">Modules</h2>
        <ol className="modules">
          {modules.map((m) => (
            <li key={m.id}>
              {viewer.canAccess ? <Link to={`/courses/${course.slug}/learn/${m.id}`}>{m.title}</Link> : m.title}
              {progress?.completedModuleIds.includes(m.id) ? <span className="badge tone-success">Done</span> : null}
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="reviews-title" className="stack">
        <h2 id="reviews-title">Reviews</h2>
        {viewer.enrolled ? (
          <Form method="post" className="stack narrow-left card">
            <CsrfInput />
            <h3>{ownReview ? "Edit your review" : "Review this course"}</h3>
            <StarInput name="rating" defaultValue={result?.values?.rating ? Number(result.values.rating) : ownReview?.rating} error={result?.errors?.rating} />
            <div className="field">
              <label htmlFor="field-body">Your review</label>
              <textarea id="field-body" name="body" rows={4} maxLength={REVIEW_BODY_MAX} defaultValue={result?.values?.body ?? ownReview?.body ?? ""} />
              {result?.errors?.body ? <p className="field-errors">{result.errors.body.join(" ")}</p> : null}
            </div>
            <SubmitButton name="intent" value="review" pendingText={ownReview ? "Saving…" : "Posting…"}>
              {ownReview ? "Update review" : "Post review"}
            </SubmitButton>
          </Form>
        ) : null}
        {reviews.items.length ? (
          <ul className="reviews">
            {reviews.items.map((r) => (
              <li key={r.id} className="card">
                <p>
                  <span className="stars">
                    <span className="sr-only">Rated {r.rating} out of 5</span>
                    <span className="stars-icons" aria-hidden="true">
                      {[1, 2, 3, 4, 5].map((i) => (
                        <span key={i} className={i <= r.rating ? "star full" : "star"}>
                          ★
                        </span>
                      ))}
                    </span>
                  </span>{" "}
                  <strong>{r.author.name}</strong>
                  <span className="muted">
                    {" "}
                    · <When ms={r.updatedAt} as="relative" />
                  </span>
                </p>
                {r.body ? <p className="prewrap">{r.body}</p> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No reviews yet{viewer.enrolled ? ": be the first to review this course." : "."}</p>
        )}
        {reviews.nextCursor ? <Link to={`?${moreReviews}`}>Older reviews →</Link> : null}
      </section>
    </article>
  );
}

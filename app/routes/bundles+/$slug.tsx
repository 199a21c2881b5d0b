import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirect, redirectDocument } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { CheckoutProcessing, waitAttempt } from "~/components/checkout-processing";
import { CourseCover } from "~/components/course-cover";
import { CsrfInput, FormStatus } from "~/components/forms";
import { SubmitButton } from "~/components/submit-button";
import { getUser, requireUser } from "~/modules/auth/auth.server";
import { hasPermission } from "~/modules/auth/permissions";
import { getBundleView } from "~/modules/marketplace/bundles.server";
import { cancelCheckoutReturn, settleCheckoutReturn, type CheckoutReturnState } from "~/modules/payments/checkout-return.server";
import { processPayment } from "~/modules/payments/process.server";
import { AppError, errorResponse } from "~/utils/errors";
import { setFlash, takeFlash } from "~/utils/flash.server";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { useFormat } from "~/utils/format";
import { branded } from "~/utils/meta";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => {
  if (!data) return [{ title: branded(matches, "Bundle not found · Coursemint") }];
  const description = data.bundle.description.slice(0, 200);
  return [
    { title: branded(matches, `${data.bundle.title} · Coursemint`) },
    { name: "description", content: description },
    { property: "og:title", content: data.bundle.title },
    { property: "og:description", content: description },
  ];
};

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const viewer = await getUser(app, request);
  const slug = params.slug ?? "";
  const url = new URL(request.url);
  const path = `/bundles/${slug}`;
  // Back from Checkout: settle now through the webhook's own path (decision 007).
  let checkout: { state: CheckoutReturnState; message: string | null; attempt: number } | null = null;
  const returned = url.searchParams.get("payment");
  if (viewer && returned && url.searchParams.get("purchase") === "success") {
    const settled = await settleCheckoutReturn(app, viewer.id, returned);
    if (settled && settled.payment.purpose === "bundle_purchase") {
      if (settled.state === "paid") throw redirect(path, { headers: { "Set-Cookie": setFlash(app, "bundle_paid", path) } });
      checkout = { state: settled.state, message: settled.payment.failureMessage, attempt: waitAttempt(url) };
    }
  }
  if (viewer && returned && url.searchParams.get("purchase") === "canceled") await cancelCheckoutReturn(app, viewer.id, returned);
  const view = await getBundleView(app, viewer, slug).catch((error) => {
    throw errorResponse(error instanceof AppError ? error : AppError.notFound("Bundle"), app.requestId);
  });
  const flash = takeFlash(app, request, path);
  const { bundle, offer, canEdit } = view;
  return data(
    {
      bundle: { id: bundle.id, slug: bundle.slug, title: bundle.title, description: bundle.description, status: bundle.status, price: bundle.priceAmount, currency: bundle.currency, coverUrl: null as string | null },
      offer,
      canEdit,
      signedIn: !!viewer,
      checkout,
      justPaid: flash.notice === "bundle_paid",
    },
    { headers: flash.headers },
  );
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUser(app, request);
  try {
    if (form.get("intent") !== "buy") throw new AppError("bad_request", "Unknown action.");
    if (!hasPermission(user, "create:enrollment:own")) throw AppError.forbidden();
    const view = await getBundleView(app, user, params.slug ?? "");
    const back = `/bundles/${view.bundle.slug}`;
    const payment = await processPayment(app, user, {
      purpose: "bundle_purchase",
      bundleId: view.bundle.id,
      flow: "checkout",
      successPath: `${back}?purchase=success`,
      cancelPath: `${back}?purchase=canceled`,
    });
    if (payment.nextAction.type === "redirect_to_checkout") return redirectDocument(payment.nextAction.url);
    return data<FormResult>({ ok: "Your payment is being confirmed." });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function BundlePage() {
  const { bundle, offer, canEdit, signedIn, checkout, justPaid } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as FormResult | undefined;
  const [params] = useSearchParams();
  const f = useFormat();
  const owned = offer.courses.filter((c) => c.owned);
  const processing = checkout?.state === "processing" && !offer.allOwned;
  return (
    <article className="stack-lg bundle-page">
      <header className="stack">
        <p>
          <Link to="/bundles">← All bundles</Link>
        </p>
        <div className="course-hero">
          <CourseCover course={{ id: bundle.id, title: bundle.title, coverUrl: bundle.coverUrl }} label="Bundle" size="hero" />
          <div className="stack">
            <h1>{bundle.title}</h1>
            <p className="muted">
              {f.plural(offer.courses.length, "course")} · {f.money(offer.separately, bundle.currency)} if bought one by one
            </p>
            <p className="price-line">
              <strong data-testid="bundle-price">{f.money(bundle.price, bundle.currency)}</strong>
              {offer.separately > bundle.price ? <span className="muted"> · you save {f.money(offer.separately - bundle.price, bundle.currency)}</span> : null}
            </p>
          </div>
        </div>
        {bundle.status !== "published" ? <p className="alert info">This bundle is a draft: only you and admins can see it.</p> : null}
        {justPaid ? (
          <p className="alert success" role="status" data-testid="bundle-purchase-complete">
            Thank you! Your payment went through and every course of the bundle is yours. Find them in <Link to="/learning">My learning</Link>.
          </p>
        ) : null}
        {processing ? <CheckoutProcessing attempt={checkout!.attempt} what="the bundle" /> : null}
        {checkout?.state === "failed" ? (
          <p className="alert error" role="alert">
            Your payment did not go through{checkout.message ? `: ${checkout.message}` : "."} Nothing was charged; you can try again.
          </p>
        ) : null}
        {params.get("purchase") === "canceled" ? <p className="alert">Checkout was canceled; nothing was charged.</p> : null}
        <FormStatus result={result} />
      </header>

      <section className="stack" aria-labelledby="bundle-buy">
        <h2 id="bundle-buy">{offer.allOwned ? "You own every course" : "Buy the bundle"}</h2>
        {offer.allOwned ? (
          <p className="alert success" data-testid="bundle-all-owned">
            You already own every course in this bundle; there is nothing to buy. <Link to="/learning">Go to My learning</Link>.
          </p>
        ) : !offer.available ? (
          <p className="alert">This bundle is not on sale right now: one of its courses is no longer available.</p>
        ) : canEdit && !signedIn ? null : (
          <>
            {owned.length ? (
              <p className="alert info" data-testid="bundle-owned-credit">
                You already own {owned.map((c) => `“${c.title}”`).join(", ")} — you pay {f.money(offer.amount, bundle.currency)} (
                {f.money(offer.ownedCredit, bundle.currency)} off for {owned.length === 1 ? "that course's" : "those courses'"} share of the bundle price).
              </p>
            ) : null}
            {processing ? null : signedIn ? (
              <Form method="post">
                <CsrfInput />
                <SubmitButton name="intent" value="buy" pendingText="Opening checkout…" data-testid="bundle-buy">
                  Buy the bundle for {f.money(offer.amount, bundle.currency)}
                </SubmitButton>
              </Form>
            ) : (
              <p>
                <Link className="button" to={`/login?redirectTo=${encodeURIComponent(`/bundles/${bundle.slug}`)}`}>
                  Log in to buy for {f.money(offer.amount, bundle.currency)}
                </Link>
              </p>
            )}
            <p className="muted">Promotion codes and reward tokens do not apply to bundles: the bundle price is already its discount.</p>
          </>
        )}
        {canEdit ? (
          <p>
            <Link to={`/instructor/bundles/${bundle.id}`}>Edit this bundle</Link>
          </p>
        ) : null}
      </section>

      <section className="stack" aria-labelledby="bundle-about">
        <h2 id="bundle-about">About this bundle</h2>
        <p className="prewrap">{bundle.description}</p>
      </section>

      <section className="stack" aria-labelledby="bundle-courses">
        <h2 id="bundle-courses">Courses in this bundle</h2>
        <ol className="stack bundle-courses" data-testid="bundle-courses">
          {offer.courses.map((c) => (
            <li key={c.id} className="card bundle-course">
              <div className="stack">
                <h3>
                  <Link to={`/courses/${c.slug}`}>{c.title}</Link>
                </h3>
                <p className="muted">
                  By {c.instructorName} · {f.money(c.listPrice, bundle.currency)} on its own
                  {c.owned ? (
                    <>
                      {" · "}
                      <strong>You own this course</strong>
                    </>
                  ) : null}
                  {!c.available ? " · No longer available" : null}
                </p>
              </div>
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}

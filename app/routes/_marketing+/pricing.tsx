import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect, redirectDocument } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { SubmitButton } from "~/components/submit-button";
import { useFormat } from "~/utils/format";
import { CsrfInput, FormError } from "~/components/forms";
import { getUser, requireUserWithPermission } from "~/modules/auth/auth.server";
import { getEntitlement } from "~/modules/subscriptions/entitlements.server";
import { createSubscription } from "~/modules/subscriptions/lifecycle.server";
import { FEATURES, FEATURE_NAMES, PAID_TIERS, SUBSCRIPTION_TIERS, TIERS, type Feature, type PaidTier } from "~/modules/subscriptions/tiers";
import { TRIAL_POLICY } from "~/modules/subscriptions/trials";
import { trialEligibility, type TrialEligibility } from "~/modules/subscriptions/trials.server";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { branded } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [{ title: branded(matches, "Pricing · Coursemint") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await getUser(app, request);
  const [entitlement, ...trials] = user
    ? await Promise.all([getEntitlement(app, user.id), ...PAID_TIERS.filter((t) => TIERS[t].trialDays).map((t) => trialEligibility(app, user.id, t))])
    : [null];
  const trialFor = Object.fromEntries((trials as TrialEligibility[]).map((t) => [t.tier, t])) as Partial<Record<PaidTier, TrialEligibility>>;
  // A member whose plan comes from an organization's seat is told so, not offered to buy it again.
  const seat = entitlement?.source === "seat" && entitlement.seat ? { tier: entitlement.seat.tier, organization: entitlement.seat.organizationName, managedBy: entitlement.seat.managedBy.name } : null;
  return { signedIn: !!user, currentTier: entitlement?.tier ?? null, ownTier: entitlement?.subscription?.tier ?? null, seat, trialFor };
}

const RANK = { free: 0, pro: 1, enterprise: 2 } as const;

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "create:subscription:own");
  try {
    const trial = form.get("intent") === "trial";
    const result = await createSubscription(app, user, { tier: form.get("tier"), interval: form.get("interval"), ...(trial ? { trial: true, flow: "no_card" } : { flow: "checkout" }) });
    // A full page load: the hosted Stripe page is not a Remix route (same origin with the emulator).
    if (result.status === "requires_action") return redirectDocument(result.nextAction.url);
    return redirect("/account/billing");
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function Pricing() {
  const { signedIn, currentTier, ownTier, seat, trialFor } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  const [params] = useSearchParams();
  const highlighted = params.get("feature") as Feature | null;
  const f = useFormat();
  return (
    <div className="stack-lg">
      <section>
        <h1>Plans and pricing</h1>
        {highlighted && FEATURES[highlighted] ? (
          <p className="alert info" role="status">
            <strong>{FEATURES[highlighted].label}</strong> is included in {TIERS[FEATURES[highlighted].upgradeTo].name} and above.
          </p>
        ) : null}
        {params.get("checkout") === "canceled" ? <p className="alert info">Checkout was canceled; nothing was charged.</p> : null}
        <FormError errors={result?.errors} />
      </section>
      <div className="cards pricing">
        {SUBSCRIPTION_TIERS.map((tier) => {
          const config = TIERS[tier];
          const isCurrent = currentTier === tier;
          // Included in the organization's plan (that tier or a lower paid one): nothing to buy here.
          const viaSeat = seat && config.prices && RANK[tier] <= RANK[seat.tier] ? seat : null;
          return (
            <section key={tier} className={`card tier${isCurrent ? " tier-current" : ""}`} aria-labelledby={`tier-${tier}`} data-testid={`tier-${tier}`}>
              <h2 id={`tier-${tier}`}>{config.name}</h2>
              <p className="muted">{config.tagline}</p>
              {config.prices ? (
                <p className="price">
                  <strong>{f.money(config.prices.month.amount, config.currency)}</strong> a month
                  <br />
                  <span className="muted">or {f.money(config.prices.year.amount, config.currency)} a year</span>
                </p>
              ) : (
                <p className="price">
                  <strong>Free</strong> <span className="muted">forever</span>
                </p>
              )}
              <ul className="feature-list">
                {FEATURE_NAMES.map((feature) => (
                  <li key={feature} className={config.features.includes(feature) ? "included" : "excluded"}>
                    <span aria-hidden="true">{config.features.includes(feature) ? "✓" : "✗"}</span>{" "}
                    <span className="sr-only">{config.features.includes(feature) ? "Included:" : "Not included:"}</span> {FEATURES[feature].label}
                  </li>
                ))}
                <li>{config.limits.courseDiscountBps ? `${f.number(config.limits.courseDiscountBps / 100)}% off every marketplace course` : "Full price on marketplace courses"}</li>
                <li>{config.limits.tokenMultiplierPct === 100 ? "Standard reward tokens" : `${f.number(config.limits.tokenMultiplierPct / 100)}× reward tokens`}</li>
                <li>{config.limits.seats === 1 ? "Just you" : `${f.plural(config.limits.seats, "seat")} for your team`}</li>
              </ul>
              {config.trialDays && config.prices && !viaSeat ? (
                <TrialOffer tier={tier as PaidTier} days={config.trialDays} signedIn={signedIn} eligibility={trialFor[tier as PaidTier]} />
              ) : null}
              {viaSeat ? (
                <div className="stack" data-testid={`seat-${tier}`}>
                  <p>
                    <span className="badge tone-success">{isCurrent ? `Your plan, through ${viaSeat.organization}` : `Included through ${viaSeat.organization}`}</span>
                  </p>
                  <p className="muted">
                    {isCurrent
                      ? `You have ${config.name} as a member of ${viaSeat.organization}, which pays for it; there is nothing to buy. Questions about it go to ${viaSeat.managedBy}.`
                      : `Everything in ${config.name} is part of your ${TIERS[viaSeat.tier].name} plan through ${viaSeat.organization}.`}
                    {ownTier === tier ? " You also pay for it yourself: " : ""}
                    {ownTier === tier ? <Link to="/account/billing">manage your own plan</Link> : null}
                    {ownTier === tier ? "." : ""}
                  </p>
                </div>
              ) : isCurrent ? (
                <p>
                  <span className="badge tone-success">Your plan</span>
                </p>
              ) : !config.prices ? null : !signedIn ? (
                <Link className="button" to={`/signup?redirectTo=${encodeURIComponent("/pricing")}`}>
                  Sign up for {config.name}
                </Link>
              ) : currentTier && currentTier !== "free" ? (
                <Link className="button secondary" to="/account/billing">
                  Change plan
                </Link>
              ) : (
                <Form method="post" className="stack">
                  <CsrfInput />
                  <input type="hidden" name="tier" value={tier} />
                  <fieldset className="intervals">
                    <legend className="sr-only">Billing interval for {config.name}</legend>
                    <label>
                      <input type="radio" name="interval" value="month" defaultChecked /> Monthly
                    </label>
                    <label>
                      <input type="radio" name="interval" value="year" /> Yearly
                    </label>
                  </fieldset>
                  <SubmitButton pendingText="Going to checkout…">Upgrade to {config.name}</SubmitButton>
                  {trialFor[tier as PaidTier]?.eligible ? (
                    <SubmitButton name="intent" value="trial" className="secondary" pendingText="Starting your trial…">
                      Start a {config.trialDays}-day free trial
                    </SubmitButton>
                  ) : null}
                </Form>
              )}
            </section>
          );
        })}
      </div>
    </div>
  );
}

/** The trial line of a plan card: what it is, or in words why this learner cannot have it. */
function TrialOffer({ tier, days, signedIn, eligibility }: { tier: PaidTier; days: number; signedIn: boolean; eligibility?: TrialEligibility }) {
  const f = useFormat();
  const ending = TRIAL_POLICY.missingPaymentMethod === "pause" ? "it pauses" : "you go back to Free";
  if (!signedIn) {
    return (
      <p className="muted" data-testid={`trial-${tier}`}>
        {days}-day free trial, no card needed: <Link to={`/signup?redirectTo=${encodeURIComponent("/pricing")}`}>sign up</Link> to start it.
      </p>
    );
  }
  if (!eligibility) return null;
  if (eligibility.eligible) {
    return (
      <p className="muted" data-testid={`trial-${tier}`}>
        Try it free for {days} days, no card needed. We email you {TRIAL_POLICY.reminderDaysBefore} days before it ends; without a card {ending} and nothing is charged.
      </p>
    );
  }
  if (eligibility.reason === "has_plan") return null;
  return (
    <p className="muted" data-testid={`trial-${tier}`}>
      No free trial: {eligibility.reason === "already_used" && eligibility.usedAt ? `you started your free trial on ${f.date(eligibility.usedAt)}, and trials are one per person.` : eligibility.message}
    </p>
  );
}

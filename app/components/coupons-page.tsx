import { Form } from "@remix-run/react";
import { CsrfInput, Field, FormStatus } from "~/components/forms";
import { SubmitButton } from "~/components/submit-button";
import { COUPON_POLICY, COUPON_SCOPE_LABELS } from "~/modules/marketplace/coupon-policy";
import { useFormat } from "~/utils/format";
import type { FormResult } from "~/utils/forms.server";

export type CouponListItem = {
  id: string;
  code: string;
  terms: string;
  scope: keyof typeof COUPON_SCOPE_LABELS;
  appliesTo: string;
  state: { words: string; tone: "success" | "warning" | "neutral" };
  limits: string;
  redeemed: number;
  reserved: number;
  revenue: number;
  discounted: number;
  currency: string;
  active: boolean;
};

/**
 * The coupons page of admins and instructors: make a code, list codes with their uses and the
 * revenue they brought, deactivate one. Plain forms (work without JavaScript); pending states on
 * every button; states in words.
 */
export function CouponsPage(props: { title: string; intro: string; items: CouponListItem[]; result?: FormResult; courses: { id: string; title: string }[]; admin: boolean }) {
  const f = useFormat();
  const { result } = props;
  const v = result?.values ?? {};
  return (
    <article className="stack-lg">
      <header className="stack">
        <h1>{props.title}</h1>
        <p>{props.intro}</p>
        <FormStatus result={result} />
      </header>
      <section aria-labelledby="new-code" className="card stack">
        <h2 id="new-code">Make a code</h2>
        <Form method="post" className="stack narrow">
          <CsrfInput />
          <Field label="Code (letters, digits, - and _; learners type it in any case)" name="code" defaultValue={v.code} errors={result?.errors} required maxLength={32} autoCapitalize="characters" />
          <fieldset className="stack">
            <legend>What it takes off</legend>
            <label>
              <input type="radio" name="kind" value="percent" defaultChecked={(v.kind ?? "percent") === "percent"} /> A percentage
            </label>
            <label>
              <input type="radio" name="kind" value="amount" defaultChecked={v.kind === "amount"} /> An amount
            </label>
          </fieldset>
          <Field label="Percentage off (for a percentage)" name="percent" inputMode="decimal" defaultValue={v.percent} errors={result?.errors} />
          <Field label="Amount off (for an amount, e.g. 5.00)" name="amount" inputMode="decimal" defaultValue={v.amount} errors={result?.errors} />
          {props.admin ? (
            <div className="field">
              <label htmlFor="field-currency">Currency of the amount and minimum (course codes use the course's)</label>
              <select id="field-currency" name="currency" defaultValue={v.currency ?? "usd"}>
                <option value="usd">US dollar</option>
                <option value="eur">Euro</option>
                <option value="gbp">Pound sterling</option>
                <option value="jpy">Japanese yen</option>
              </select>
            </div>
          ) : null}
          {props.admin ? (
            <div className="field">
              <label htmlFor="field-scope">Applies to</label>
              <select id="field-scope" name="scope" defaultValue={v.scope ?? "course"}>
                {Object.entries(COUPON_SCOPE_LABELS).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </div>
          ) : (
            <input type="hidden" name="scope" value="course" />
          )}
          <div className="field">
            <label htmlFor="field-courseId">Course{props.admin ? " (for one course)" : ""}</label>
            <select id="field-courseId" name="courseId" defaultValue={v.courseId}>
              <option value="">Choose a course</option>
              {props.courses.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title}
                </option>
              ))}
            </select>
            {result?.errors?.courseId ? <p className="field-errors" role="alert">{result.errors.courseId.join(" ")}</p> : null}
          </div>
          {props.admin ? <Field label="Instructor's user id (for one instructor's courses)" name="instructorId" defaultValue={v.instructorId} errors={result?.errors} /> : null}
          <Field label="Total uses allowed (empty: no limit)" name="maxRedemptions" inputMode="numeric" defaultValue={v.maxRedemptions} errors={result?.errors} />
          <Field label="Last day it works (UTC, empty: no end)" name="expiresOn" type="date" defaultValue={v.expiresOn} errors={result?.errors} />
          <Field label="Lowest price it applies to (empty: any)" name="minAmount" inputMode="decimal" defaultValue={v.minAmount} errors={result?.errors} />
          <label>
            <input type="checkbox" name="oncePerCustomer" defaultChecked={v.oncePerCustomer === "on"} /> Once per learner
          </label>
          <label>
            <input type="checkbox" name="firstPurchaseOnly" defaultChecked={v.firstPurchaseOnly === "on"} /> Only for a learner's first purchase
          </label>
          {!props.admin ? (
            <p className="muted">
              Up to {COUPON_POLICY.instructor.maxActiveCodesPerCourse} active codes per course, at most {COUPON_POLICY.instructor.maxPercentBps / 100} % off, and a course never goes below{" "}
              {f.money(COUPON_POLICY.instructor.priceFloor.usd, "usd")} (or the same in its currency). Your 70 % is of what the learner pays after the code.
            </p>
          ) : null}
          <SubmitButton name="intent" value="create" pendingText="Making the code…">
            Make the code
          </SubmitButton>
        </Form>
      </section>
      <section aria-labelledby="codes" className="stack">
        <h2 id="codes">Codes</h2>
        {props.items.length ? (
          <div className="table-scroll">
            <table data-testid="coupons-table">
              <caption className="sr-only">Codes with their uses and revenue</caption>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Takes off</th>
                  <th scope="col">Applies to</th>
                  <th scope="col">State</th>
                  <th scope="col" className="num">Used</th>
                  <th scope="col" className="num">Revenue brought</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {props.items.map((c) => (
                  <tr key={c.id}>
                    <th scope="row">
                      <code>{c.code}</code>
                    </th>
                    <td>
                      {c.terms}
                      {c.limits ? <div className="muted">{c.limits}</div> : null}
                    </td>
                    <td>{c.appliesTo}</td>
                    <td>
                      <span className={`badge tone-${c.state.tone}`}>{c.state.words}</span>
                    </td>
                    <td className="num">
                      {f.number(c.redeemed)}
                      {c.reserved ? <div className="muted">{f.number(c.reserved)} in checkout</div> : null}
                    </td>
                    <td className="num">
                      {f.money(c.revenue, c.currency)}
                      <div className="muted">{f.money(c.discounted, c.currency)} off in all</div>
                    </td>
                    <td>
                      {c.active ? (
                        <Form method="post">
                          <CsrfInput />
                          <input type="hidden" name="couponId" value={c.id} />
                          <SubmitButton name="intent" value="deactivate" className="small secondary" pendingText="Deactivating…" aria-label={`Deactivate ${c.code}`}>
                            Deactivate
                          </SubmitButton>
                        </Form>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">No codes yet.</p>
        )}
      </section>
    </article>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import * as z from "zod";
import { SubmitButton } from "~/components/submit-button";
import { CsrfInput, Field, FormStatus } from "~/components/forms";
import { History } from "~/components/history";
import { tokenColumns } from "~/components/token-history";
import { useFormat } from "~/utils/format";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { ENTRY_TYPE_LABELS, REWARD_POLICY, TOKEN_RULES } from "~/modules/tokens/config";
import { flushWallet, getWallet, history } from "~/modules/tokens/ledger.server";
import { saveProfile } from "~/modules/tokens/leaderboard.server";
import { buyStreakFreeze } from "~/modules/tokens/redeem.server";
import { parseOrThrow } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { TOKEN_ENTRY_TYPES } from "~drizzle/schema/tokens";
import { branded } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [{ title: branded(matches, "Tokens · Coursemint") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "read:tokens:own");
  const query = Object.fromEntries([...new URL(request.url).searchParams].filter(([, v]) => v !== ""));
  const [wallet, first] = await Promise.all([getWallet(app, user.id, request), history(app, user.id, query)]);
  // Read your own writes: if the projection is behind the wallet, project now and read again.
  const unfiltered = Object.keys(query).length === 0;
  const entries = unfiltered && wallet.lastSeq > (first.items[0]?.seq ?? 0) ? (await flushWallet(app, user.id), await history(app, user.id, query)) : first;
  return { wallet, entries, freezeKey: createId("request") };
}

const intentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("buy_freeze"), requestKey: z.string().regex(/^req_[0-9a-z]{26}$/) }),
  z.object({
    intent: z.literal("settings"),
    handle: z.string(),
    timeZone: z.string(),
    hiddenFromBoards: z.literal("on").optional(),
  }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "create:token-redemption:own");
  try {
    const input = parseOrThrow(intentSchema, Object.fromEntries(form));
    if (input.intent === "buy_freeze") {
      // The form's key makes a double submit spend once.
      const result = await buyStreakFreeze(app, user, input.requestKey);
      await flushWallet(app, user.id);
      return data<FormResult>({ ok: `Streak freeze bought. You hold ${result.freezes} of ${TOKEN_RULES.streakFreeze.maxHeld}.` });
    }
    await saveProfile(app, user.id, { handle: input.handle, timeZone: input.timeZone, hiddenFromBoards: input.hiddenFromBoards === "on" });
    return data<FormResult>({ ok: "Settings saved." });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

const KIND_LABEL = { active: "Learned", frozen: "Covered by a freeze", none: "No activity" } as const;

export default function Wallet() {
  const { wallet, entries, freezeKey } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  const f = useFormat();
  const canBuy = wallet.freezes < TOKEN_RULES.streakFreeze.maxHeld && wallet.balance >= TOKEN_RULES.streakFreeze.price;
  return (
    <div className="stack-lg">
      <section className="stack">
        <h1>Your tokens</h1>
        <FormStatus result={result} />
        <div className="cards">
          <div className="card">
            <div className="muted">Balance</div>
            <div className="big-number" data-testid="token-balance">
              {f.number(wallet.balance)}
            </div>
            {wallet.held > 0 ? <div className="muted">{f.plural(wallet.held, "token")} held for a purchase in progress</div> : null}
          </div>
          <div className="card">
            <div className="muted">Learning streak</div>
            <div className="big-number" data-testid="streak">
              {f.plural(wallet.streak, "day")}
            </div>
            <div className="muted">
              {wallet.activeToday ? "You learned today." : wallet.streak > 0 ? (wallet.atRisk ? "Learn today to keep it." : "Learn today to extend it.") : "Complete a module to start one."}{" "}
              Longest: {f.plural(wallet.longestStreak, "day")}.
            </div>
          </div>
          <div className="card">
            <div className="muted">Streak freezes</div>
            <div className="big-number">
              {wallet.freezes} of {TOKEN_RULES.streakFreeze.maxHeld}
            </div>
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="buy_freeze" />
              <input type="hidden" name="requestKey" value={freezeKey} />
              <SubmitButton disabled={!canBuy} pendingText="Buying…">
                Buy a freeze for {f.plural(TOKEN_RULES.streakFreeze.price, "token")}
              </SubmitButton>
            </Form>
            <div className="muted">A freeze covers one missed day.</div>
          </div>
        </div>
        <figure className="streak-calendar">
          <figcaption>
            Last {wallet.calendar.length} days, counted in your streak's time zone, {wallet.timeZone}
            {f.viewer.timeZoneKnown && f.viewer.timeZone !== wallet.timeZone ? ` (this browser is in ${f.viewer.timeZone})` : ""}.
          </figcaption>
          {f.viewer.timeZoneKnown && f.viewer.timeZone !== wallet.timeZone ? (
            <Form method="post" data-testid="use-browser-time-zone">
              <CsrfInput />
              <input type="hidden" name="intent" value="settings" />
              <input type="hidden" name="handle" value={wallet.handle} />
              <input type="hidden" name="timeZone" value={f.viewer.timeZone} />
              {wallet.hiddenFromBoards ? <input type="hidden" name="hiddenFromBoards" value="on" /> : null}
              <SubmitButton className="secondary small" pendingText="Saving…">
                Count my days in {f.viewer.timeZone}
              </SubmitButton>
            </Form>
          ) : null}
          <ol>
            {wallet.calendar.map((d) => (
              <li key={d.day} className={`day day-${d.kind}`} title={`${d.day}: ${KIND_LABEL[d.kind]}`}>
                <span className="sr-only">
                  {d.day}: {KIND_LABEL[d.kind]}
                </span>
              </li>
            ))}
          </ol>
          <p className="muted">
            <span className="legend day-active" /> learned <span className="legend day-frozen" /> covered by a freeze <span className="legend day-none" /> no activity
          </p>
        </figure>
        <p className="muted">
          Earn {TOKEN_RULES.moduleCompletion} tokens per module and {TOKEN_RULES.courseCompletion.beginner}–{TOKEN_RULES.courseCompletion.advanced} per completed course
          (more on Pro and Enterprise), plus a daily streak bonus. Spend them on streak freezes or on up to half off a course at checkout
          ({TOKEN_RULES.courseDiscount.tokensPerUnit} tokens = $1.00). <Link to="/leaderboard">See the leaderboard</Link>.
        </p>
        <p className="muted">
          Courses you teach earn nothing. Free courses earn once they have {REWARD_POLICY.freeCourseQualityBar.minModules} modules and either{" "}
          {REWARD_POLICY.freeCourseQualityBar.minOtherLearners} other learners or {REWARD_POLICY.freeCourseQualityBar.minPublishedDays} days since publication, up to{" "}
          {f.plural(REWARD_POLICY.freeCourseDailyCap, "token")} a day; all learning earns at most {f.plural(REWARD_POLICY.dailyEarningCap, "token")} a day (UTC).
        </p>
      </section>

      <section className="stack">
        <h2>History</h2>
        <History
          filters={[
            { name: "type", label: "Kind", type: "select", options: TOKEN_ENTRY_TYPES.map((t) => [t, ENTRY_TYPE_LABELS[t]] as const) },
            { name: "from", label: "From", type: "date" },
            { name: "to", label: "To", type: "date" },
          ]}
          rows={entries.items}
          rowKey={(e) => e.id}
          columns={tokenColumns(f.viewer.locale)}
          caption="Token history"
          testId="token-history"
          empty={{ title: "No tokens yet", body: "Complete a module to earn your first tokens.", action: <Link to="/courses">Find a course</Link> }}
          nextCursor={entries.nextCursor}
        />
      </section>

      <section className="stack narrow-left">
        <h2>Settings</h2>
        <Form method="post" className="stack">
          <CsrfInput />
          <input type="hidden" name="intent" value="settings" />
          <Field label="Handle (others follow you by it)" name="handle" defaultValue={result?.values?.handle ?? wallet.handle} errors={result?.errors} required />
          <p className="muted">
            {wallet.handle.startsWith("learner-") ? "Your handle was picked at random, so it says nothing about you. " : ""}
            Your handle is public: other learners see it on leaderboards and follow you by it. Choose one that does not give away more than you want.
          </p>
          <Field
            label="Time zone for your streak (e.g. Europe/Paris)"
            name="timeZone"
            defaultValue={result?.values?.timeZone ?? wallet.timeZone}
            errors={result?.errors}
            required
          />
          <label className="checkbox">
            <input type="checkbox" name="hiddenFromBoards" defaultChecked={wallet.hiddenFromBoards} /> Hide me from leaderboards
          </label>
          <p className="muted">Hidden learners are on no leaderboard (you still see yourself), cannot be followed, and have no public profile page.</p>
          <button type="submit">Save settings</button>
        </Form>
      </section>
    </div>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import * as z from "zod";
import { CsrfInput, Field, FormStatus } from "~/components/forms";
import { When } from "~/components/when";
import { useFormat } from "~/utils/format";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { follow, friendsBoard, globalBoard, listFollowing, unfollow, type BoardRow } from "~/modules/tokens/leaderboard.server";
import { ensureProfile } from "~/modules/tokens/profiles.server";
import { parseOrThrow } from "~/utils/errors";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { branded } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [{ title: branded(matches, "Leaderboard · Coursemint") }];

const TABS = { week: "This week", all: "All time", friends: "Friends" } as const;
type Tab = keyof typeof TABS;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "read:leaderboard:any");
  const tab = (new URL(request.url).searchParams.get("board") ?? "week") as Tab;
  const board: Tab = tab in TABS ? tab : "week";
  const [own, following] = await Promise.all([ensureProfile(app, user.id, request), listFollowing(app, user.id)]);
  const profile = { handle: own.handle, hiddenFromBoards: own.hiddenFromBoards };
  if (board === "friends") {
    const friends = await friendsBoard(app, user.id, { period: "week" });
    return { board, rows: friends.items, you: null, members: friends.items.length, endsAt: null, following, profile };
  }
  const global = await globalBoard(app, user.id, { period: board, limit: 25 });
  return { board, rows: global.top, you: global.you, members: global.members, endsAt: global.endsAt ?? null, following, profile };
}

const intentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("follow"), handle: z.string() }),
  z.object({ intent: z.literal("unfollow"), handle: z.string() }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "create:follow:own");
  try {
    const input = parseOrThrow(intentSchema, Object.fromEntries(form));
    if (input.intent === "follow") {
      const { following } = await follow(app, user.id, { handle: input.handle });
      return data<FormResult>({ ok: `You now follow ${following.name} (@${following.handle}).` });
    }
    await unfollow(app, user.id, input.handle);
    return data<FormResult>({ ok: `You no longer follow @${input.handle}.` });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function LeaderboardPage() {
  const { board, rows, you, members, endsAt, following, profile } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  const youListed = rows.some((r) => r.isYou);
  const f = useFormat();
  return (
    <div className="stack-lg">
      <section className="stack">
        <h1>Leaderboard</h1>
        <nav aria-label="Boards">
          <ul className="tabs">
            {(Object.keys(TABS) as Tab[]).map((t) => (
              <li key={t}>
                <Link to={`?board=${t}`} aria-current={t === board ? "page" : undefined}>
                  {TABS[t]}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <p className="muted">
          Scores are tokens earned from learning (course and module awards and streak bonuses).{" "}
          {endsAt ? (
            <>
              This week's board resets <When ms={endsAt} as="relative" /> (<When ms={endsAt} as="dateTime" />).{" "}
            </>
          ) : null}
          {board !== "friends" ? `${f.plural(members, "learner")} on this board.` : ""}
          {profile.hiddenFromBoards ? " You are hidden from public boards (change it on your tokens page)." : ""}
        </p>
        {rows.length === 0 ? (
          <p className="muted">{board === "friends" ? "Follow learners below to compare with them." : "Nobody has earned tokens yet this period. Be the first!"}</p>
        ) : (
          <Board rows={rows} />
        )}
        {you && !youListed ? (
          <p data-testid="your-rank">
            You are number {f.number(you.rank)} with {f.plural(you.score, "token")}.
          </p>
        ) : null}
      </section>
      <section className="stack narrow-left">
        <h2>Friends</h2>
        <FormStatus result={result} />
        <p className="muted">
          Your handle is <strong>@{profile.handle}</strong>. Share it so friends can follow you.
        </p>
        <Form method="post" className="inline-form">
          <CsrfInput />
          <input type="hidden" name="intent" value="follow" />
          <Field label="Follow a learner by handle" name="handle" defaultValue={result?.values?.handle ?? ""} errors={result?.errors} required />
          <button type="submit">Follow</button>
        </Form>
        {following.length ? (
          <ul>
            {following.map((friend) => (
              <li key={friend.handle}>
                <Link to={`/learners/${friend.handle}`}>{friend.name}</Link> <span className="muted">@{friend.handle}</span>{" "}
                <Form method="post" className="inline">
                  <CsrfInput />
                  <input type="hidden" name="intent" value="unfollow" />
                  <input type="hidden" name="handle" value={friend.handle} />
                  <button type="submit" className="link-button" aria-label={`Unfollow ${friend.name}`}>
                    Unfollow
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    </div>
  );
}

function Board({ rows }: { rows: BoardRow[] }) {
  const f = useFormat();
  return (
    <table className="board" data-testid="leaderboard">
      <caption className="sr-only">Leaderboard</caption>
      <thead>
        <tr>
          <th scope="col">Rank</th>
          <th scope="col">Learner</th>
          <th scope="col" className="num">
            Tokens
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.rank}-${r.handle ?? ""}`} className={r.isYou ? "you" : undefined}>
            <td>{f.number(r.rank)}</td>
            <td>
              {r.handle ? <Link to={`/learners/${r.handle}`}>{r.name}</Link> : r.name}
              {r.isYou ? " (you)" : ""}
            </td>
            <td className="num">{f.number(r.score)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

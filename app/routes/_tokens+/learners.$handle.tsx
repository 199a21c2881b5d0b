import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { CsrfInput, FormStatus } from "~/components/forms";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { follow, publicProfile, unfollow } from "~/modules/tokens/leaderboard.server";
import { formError, readForm, type FormResult } from "~/utils/forms.server";
import { branded } from "~/utils/meta";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [{ title: branded(matches, `${data?.learner.name ?? "Learner"} · Coursemint`) }];

/** A learner's public profile: name, handle and a follow button. Hidden learners have none (404), except to themselves. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "read:leaderboard:any");
  const profile = await publicProfile(app, user.id, params.handle ?? "");
  if (!profile) throw new Response("Not found", { status: 404 });
  return profile;
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const unfollowing = form.get("intent") === "unfollow";
  const user = await requireUserWithPermission(app, request, unfollowing ? "delete:follow:own" : "create:follow:own");
  try {
    if (unfollowing) {
      await unfollow(app, user.id, params.handle ?? "");
      return data<FormResult>({ ok: "Unfollowed." });
    }
    await follow(app, user.id, { handle: params.handle ?? "" });
    return data<FormResult>({ ok: "Following. They now appear on your friends board." });
  } catch (error) {
    return formError(app, error, {});
  }
}

export default function LearnerProfile() {
  const { learner, isYou, following } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  return (
    <section className="stack">
      <h1>{learner.name}</h1>
      <p className="muted">@{learner.handle}</p>
      <FormStatus result={result} />
      {isYou ? (
        <p>
          This is you.{learner.hidden ? " You are hidden from leaderboards, so nobody else can see this page or follow you." : ""}{" "}
          <Link to="/wallet">Your tokens and settings</Link>
        </p>
      ) : (
        <Form method="post">
          <CsrfInput />
          <input type="hidden" name="intent" value={following ? "unfollow" : "follow"} />
          <button type="submit">{following ? "Unfollow" : "Follow"}</button>
        </Form>
      )}
      <p>
        <Link to="/leaderboard?board=friends">Friends leaderboard</Link>
      </p>
    </section>
  );
}

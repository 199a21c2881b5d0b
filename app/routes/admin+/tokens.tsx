import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { eq } from "drizzle-orm";
import { CsrfInput, Field, FormStatus } from "~/components/forms";
import { EmptyState } from "~/components/empty-state";
import { HistoryTable } from "~/components/history";
import { tokenColumns } from "~/components/token-history";
import { useFormat } from "~/utils/format";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { adminAward, flushWallet, history, walletFor } from "~/modules/tokens/ledger.server";
import { createId } from "~/utils/ids";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { users } from "~drizzle/schema";

export const meta: MetaFunction = () => [{ title: "Tokens · Admin · Coursemint" }];

/** Admins look a learner up by email, see their wallet and history, and award or adjust tokens. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:tokens:any");
  const email = new URL(request.url).searchParams.get("email")?.trim().toLowerCase() ?? "";
  const learner = email ? ((await app.db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(eq(users.email, email)).get()) ?? null) : null;
  if (!learner) return { email, learner: null, balance: null, entries: [], awardKey: createId("request") };
  const [balance, entries] = await Promise.all([walletFor(app, learner.id).balance({ userId: learner.id }), history(app, learner.id, { limit: 50 })]);
  return { email, learner, balance, entries: entries.items, awardKey: createId("request") };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const actor = await requireUserWithPermission(app, request, "create:token-award:any");
  try {
    const amount = Number(form.get("amount"));
    const userId = String(form.get("userId") ?? "");
    const requestKey = String(form.get("awardKey") ?? "");
    const { entry, replayed } = await adminAward(app, actor, { userId, amount: Number.isFinite(amount) ? amount : NaN, reason: String(form.get("reason") ?? "") }, requestKey || app.requestId);
    await flushWallet(app, userId);
    return data<FormResult>({ ok: `${replayed ? "Already recorded" : "Recorded"}: ${entry.amount > 0 ? "+" : ""}${entry.amount.toLocaleString("en-US")} ${Math.abs(entry.amount) === 1 ? "token" : "tokens"}. New balance ${entry.balanceAfter.toLocaleString("en-US")}.` });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function AdminTokens() {
  const { email, learner, balance, entries, awardKey } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  const [params] = useSearchParams();
  const f = useFormat();
  return (
    <section className="stack">
      <h1>Reward tokens</h1>
      <Form method="get" className="inline-form">
        <Field label="Learner's email" name="email" type="email" defaultValue={params.get("email") ?? ""} required />
        <button type="submit">Find</button>
      </Form>
      {email && !learner ? <p className="alert error">No user with that email.</p> : null}
      {learner ? (
        <>
          <h2>
            {learner.name} <span className="muted">{learner.email}</span>
          </h2>
          <p data-testid="admin-token-balance">
            Balance {f.plural(balance!.balance, "token")}{balance!.held ? `, ${f.number(balance!.held)} held` : ""}.
          </p>
          <FormStatus result={result} />
          <Form method="post" className="stack narrow-left">
            <CsrfInput />
            <input type="hidden" name="userId" value={learner.id} />
            <input type="hidden" name="awardKey" value={awardKey} />
            <Field label="Tokens (negative to take away)" name="amount" type="number" step="1" defaultValue={result?.values?.amount ?? ""} errors={result?.errors} required />
            <Field label="Reason (the learner sees it)" name="reason" defaultValue={result?.values?.reason ?? ""} errors={result?.errors} required />
            <button type="submit">Record</button>
          </Form>
          <HistoryTable rows={entries} rowKey={(e) => e.id} columns={tokenColumns(f.viewer.locale)} caption={`Token history of ${learner.name}`} />
          {entries.length === 0 ? <EmptyState title="No token activity yet" /> : null}
        </>
      ) : null}
    </section>
  );
}

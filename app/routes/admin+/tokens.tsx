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
import { SubmitButton } from "~/components/submit-button";
import { When } from "~/components/when";
import { adminAward, decideAwardRequest, listAwardRequests } from "~/modules/tokens/admin-awards.server";
import { REWARD_POLICY } from "~/modules/tokens/config";
import { flushWallet, history, walletFor } from "~/modules/tokens/ledger.server";
import { createId } from "~/utils/ids";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { users } from "~drizzle/schema";

export const meta: MetaFunction = () => [{ title: "Tokens · Admin · Coursemint" }];

/**
 * Admins look a learner up by email, see their wallet and history, and award or adjust tokens
 * (never their own; above the approval threshold an award waits for a second admin, listed here).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const admin = await requireUserWithPermission(app, request, "read:tokens:any");
  const email = new URL(request.url).searchParams.get("email")?.trim().toLowerCase() ?? "";
  const [learner, pending] = await Promise.all([
    email ? app.db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(eq(users.email, email)).get() : Promise.resolve(undefined),
    listAwardRequests(app, "pending"),
  ]);
  const base = { email, adminId: admin.id, pending, awardKey: createId("request") };
  if (!learner) return { ...base, learner: null, balance: null, entries: [] };
  const [balance, entries] = await Promise.all([walletFor(app, learner.id).balance({ userId: learner.id }), history(app, learner.id, { limit: 50 })]);
  return { ...base, learner, balance, entries: entries.items };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const actor = await requireUserWithPermission(app, request, "create:token-award:any");
  try {
    const decision = String(form.get("decision") ?? "");
    if (decision) {
      const { request: decided } = await decideAwardRequest(app, actor, String(form.get("requestId") ?? ""), { decision });
      return data<FormResult>({ ok: decided.status === "approved" ? `Approved: ${decided.amount.toLocaleString("en-US")} tokens credited.` : "Rejected: nothing was credited." });
    }
    const amount = Number(form.get("amount"));
    const userId = String(form.get("userId") ?? "");
    const requestKey = String(form.get("awardKey") ?? "");
    const outcome = await adminAward(app, actor, { userId, amount: Number.isFinite(amount) ? amount : NaN, reason: String(form.get("reason") ?? "") }, requestKey || app.requestId);
    if (outcome.status === "pending") {
      return data<FormResult>({ ok: `Waiting for approval: awards above ${REWARD_POLICY.adminApprovalAbove.toLocaleString("en-US")} tokens are credited once another admin approves them (listed below).` });
    }
    const { entry, replayed } = outcome;
    await flushWallet(app, userId);
    return data<FormResult>({ ok: `${replayed ? "Already recorded" : "Recorded"}: ${entry.amount > 0 ? "+" : ""}${entry.amount.toLocaleString("en-US")} ${Math.abs(entry.amount) === 1 ? "token" : "tokens"}. New balance ${entry.balanceAfter.toLocaleString("en-US")}.` });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function AdminTokens() {
  const { email, learner, balance, entries, awardKey, pending, adminId } = useLoaderData<typeof loader>();
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
      {!learner || learner.id === adminId ? <FormStatus result={result} /> : null}
      {learner && learner.id === adminId ? <p className="alert">This is you: another admin records changes to your own tokens.</p> : null}
      {learner && learner.id !== adminId ? (
        <>
          <h2>
            {learner.name} <span className="muted">{learner.email}</span>
          </h2>
          <p data-testid="admin-token-balance">
            Balance {f.plural(balance!.balance, "token")}{balance!.held ? `, ${f.number(balance!.held)} held` : ""}.
          </p>
          <FormStatus result={result} />
          {/* Keyed by the award key, which each load mints afresh: after an answer the form starts empty,
              so pressing again never repeats an award unseen; two presses before it share the key. */}
          <Form method="post" className="stack narrow-left" key={awardKey}>
            <CsrfInput />
            <input type="hidden" name="userId" value={learner.id} />
            <input type="hidden" name="awardKey" value={awardKey} />
            <Field label="Tokens (negative to take away)" name="amount" type="number" step="1" defaultValue={result?.values?.amount ?? ""} errors={result?.errors} required />
            <Field label="Reason (the learner sees it)" name="reason" defaultValue={result?.values?.reason ?? ""} errors={result?.errors} required />
            <p className="muted">Awards above {f.plural(REWARD_POLICY.adminApprovalAbove, "token")} wait for another admin's approval. Admin awards never count on leaderboards.</p>
            <SubmitButton pendingText="Recording…">Record</SubmitButton>
          </Form>
          <HistoryTable rows={entries} rowKey={(e) => e.id} columns={tokenColumns(f.viewer.locale)} caption={`Token history of ${learner.name}`} />
          {entries.length === 0 ? <EmptyState title="No token activity yet" /> : null}
        </>
      ) : null}
      <h2>Awards waiting for a second admin</h2>
      {pending.length === 0 ? (
        <p className="muted">None. Awards above {f.plural(REWARD_POLICY.adminApprovalAbove, "token")} appear here until another admin approves or rejects them.</p>
      ) : (
        <table className="table-cards" data-testid="pending-awards">
          <caption className="sr-only">Awards waiting for approval</caption>
          <thead>
            <tr>
              <th scope="col">Learner</th>
              <th scope="col" className="num">
                Tokens
              </th>
              <th scope="col">Reason</th>
              <th scope="col">Asked by</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {pending.map((p) => (
              <tr key={p.id}>
                <td data-label="Learner">{p.recipient ? `${p.recipient.name} (${p.recipient.email})` : p.userId}</td>
                <td data-label="Tokens" className="num">
                  {f.number(p.amount)}
                </td>
                <td data-label="Reason">{p.reason}</td>
                <td data-label="Asked by">
                  {p.requester?.name ?? p.requestedBy}, <When ms={p.createdAt} as="relative" />
                </td>
                <td data-label="Decision">
                  <Form method="post" className="inline">
                    <CsrfInput />
                    <input type="hidden" name="requestId" value={p.id} />
                    {p.requestedBy === adminId || p.userId === adminId ? (
                      <>
                        <span className="muted">{p.userId === adminId ? "An award to you: another admin decides. " : "Yours: another admin approves. "}</span>
                        {p.requestedBy === adminId ? (
                          <SubmitButton name="decision" value="reject" className="link-button" pendingText="Withdrawing…">
                            Withdraw
                          </SubmitButton>
                        ) : null}
                      </>
                    ) : (
                      <>
                        <SubmitButton name="decision" value="approve" pendingText="Approving…">
                          Approve
                        </SubmitButton>{" "}
                        <SubmitButton name="decision" value="reject" className="link-button" pendingText="Rejecting…">
                          Reject
                        </SubmitButton>
                      </>
                    )}
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { useEffect, useRef } from "react";
import * as z from "zod";
import { ConfirmPanel, confirmStepOf } from "~/components/confirm";
import { CsrfInput, Field, FormStatus } from "~/components/forms";
import { SubmitButton } from "~/components/submit-button";
import { askToConfirm, isConfirmed } from "~/utils/confirm.server";
import { HistoryTable } from "~/components/history";
import { roleLabel } from "~/components/status";
import { When } from "~/components/when";
import { deviceLabel } from "~/utils/device";
import { createApiToken, listApiTokens, revokeAllApiTokens, revokeApiToken } from "~/modules/auth/api-tokens.server";
import { changeRole, clientIp, requireUserWithPermission, toPublicUser } from "~/modules/auth/auth.server";
import { changePassword } from "~/modules/auth/password-change.server";
import { hasPermission } from "~/modules/auth/permissions";
import {
  destroySessionCookie,
  listActiveSessions,
  revokeAllSessions,
  revokeSession,
} from "~/modules/auth/session.server";
import { AppError, parseOrThrow } from "~/utils/errors";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";
import { branded } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [{ title: branded(matches, "Your account · Coursemint") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "read:account:own");
  const [tokens, sessions] = await Promise.all([listApiTokens(app, user.id), listActiveSessions(app, user.id)]);
  return {
    user: toPublicUser(user),
    tokens,
    sessions: sessions.map((s) => ({ ...s, current: s.id === user.sessionId })),
  };
}

const intentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("create-token"), name: z.string() }),
  z.object({ intent: z.literal("revoke-token"), tokenId: z.string().min(1).max(64) }),
  z.object({ intent: z.literal("revoke-session"), sessionId: z.string().min(1).max(64) }),
  z.object({ intent: z.literal("logout-everywhere"), revokeTokens: z.literal("on").optional() }),
  z.object({ intent: z.literal("become-instructor") }),
  z.object({ intent: z.literal("change-password") }),
]);

type AccountResult = FormResult & { newToken?: { token: string; name: string } };

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "update:account:own");
  try {
    const input = parseOrThrow(intentSchema, Object.fromEntries(form));
    switch (input.intent) {
      case "create-token": {
        const created = await createApiToken(app, user, { name: input.name });
        return data<AccountResult>({ newToken: { token: created.token, name: created.name } });
      }
      case "revoke-token":
        await revokeApiToken(app, user, input.tokenId);
        return data<AccountResult>({ ok: "API key revoked. Programs using it can no longer sign in with it." });
      case "revoke-session":
        if (!(await revokeSession(app, user.id, input.sessionId))) throw AppError.notFound("Session");
        if (input.sessionId === user.sessionId) {
          return redirect("/login", { headers: { "Set-Cookie": await destroySessionCookie(app) } });
        }
        return data<AccountResult>({ ok: "That device was signed out." });
      case "logout-everywhere": {
        // Revoking every API key stops the caller's programs: that part asks first.
        const live = input.revokeTokens && !isConfirmed(form) ? (await listApiTokens(app, user.id)).length : 0;
        if (live > 0) {
          return askToConfirm(form, {
            title: "Log out everywhere and revoke all your API keys?",
            body: `Every device is signed out, you included, and ${live === 1 ? "your API key stops" : `all ${live} of your API keys stop`} working at once: programs using them get “unauthorized” until you create new keys. This cannot be undone.`,
            confirmLabel: "Log out and revoke keys",
            pendingLabel: "Logging out…",
          });
        }
        const count = await revokeAllSessions(app, user.id);
        // API tokens are separate credentials: revoked too unless the user unticks the box.
        const tokens = input.revokeTokens ? await revokeAllApiTokens(app, user) : 0;
        app.logger.info("auth.logged_out_everywhere", { userId: user.id, count, tokens });
        return redirect("/login", { headers: { "Set-Cookie": await destroySessionCookie(app) } });
      }
      case "become-instructor":
        await changeRole(app, user, user.id, "instructor");
        return data<AccountResult>({ ok: "You are now an instructor." });
      case "change-password": {
        const { otherSessions } = await changePassword(app, user, Object.fromEntries(form), clientIp(request));
        const others = otherSessions === 0 ? "" : otherSessions === 1 ? " Your other device was signed out." : ` Your ${otherSessions} other devices were signed out.`;
        return data<AccountResult>({ ok: `Your password has been changed.${others}` });
      }
    }
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}


export default function Account() {
  const { user, tokens, sessions } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const confirmStep = confirmStepOf(answer);
  const result = (confirmStep ? undefined : answer) as AccountResult | undefined;
  const [params] = useSearchParams();
  // Typed passwords never stay in the form once the server has answered (with JavaScript the page is not reloaded).
  const passwordForm = useRef<HTMLFormElement>(null);
  useEffect(() => passwordForm.current?.reset(), [answer]);
  return (
    <div className="stack-lg">
      <section>
        <h1>Your account</h1>
        {params.get("welcome") ? <p className="alert success">Welcome to Coursemint, {user.name}!</p> : null}
        {params.get("password") === "changed" ? (
          <p className="alert success" role="status">
            Your password has been changed. Every other device was signed out.
          </p>
        ) : null}
        <FormStatus result={result} />
        <ConfirmPanel step={confirmStep} />
        <dl className="facts">
          <dt>Name</dt>
          <dd>{user.name}</dd>
          <dt>Email</dt>
          <dd>{user.email}</dd>
          <dt>Role</dt>
          <dd data-testid="role">{roleLabel(user.role)}</dd>
        </dl>
        <p>
          <Link to="/account/payments">Payment history and receipts</Link>
        </p>
        {hasPermission(user, "update:role:own") && user.role === "student" ? (
          <Form method="post">
            <CsrfInput />
            <button type="submit" name="intent" value="become-instructor">
              Become an instructor
            </button>
          </Form>
        ) : null}
      </section>

      <section aria-labelledby="password-title">
        <h2 id="password-title">Password</h2>
        <Form method="post" className="stack narrow-left" data-testid="change-password" ref={passwordForm}>
          <CsrfInput />
          <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" required errors={result?.errors} />
          <Field label="New password (10+ characters, letters and a number)" name="password" type="password" autoComplete="new-password" required errors={result?.errors} />
          <Field label="Type the new password again" name="confirmPassword" type="password" autoComplete="new-password" required errors={result?.errors} />
          <p className="muted">Every other device is signed out; this one stays signed in. Forgot it? <Link to="/password/forgot">Reset it by email</Link>.</p>
          <SubmitButton name="intent" value="change-password" pendingText="Changing…">
            Change password
          </SubmitButton>
        </Form>
      </section>

      <section aria-labelledby="tokens-title">
        <h2 id="tokens-title">API keys</h2>
        <p className="muted">
          For your own programs and scripts: they send a key as <code>Authorization: Bearer …</code> to the <a href="/docs/api">API</a> and act with your permissions.
        </p>
        {result?.newToken ? (
          <div className="alert success" role="status">
            <p>
              API key <strong>{result.newToken.name}</strong> created. Copy it now: it will not be shown again.
            </p>
            <code className="secret" data-testid="new-token">
              {result.newToken.token}
            </code>
          </div>
        ) : null}
        <Form method="post" className="inline-form">
          <CsrfInput />
          <Field label="Key name" name="name" maxLength={60} required errors={result?.newToken ? undefined : result?.errors} />
          <button type="submit" name="intent" value="create-token">
            Create API key
          </button>
        </Form>
        {tokens.length ? (
          <HistoryTable
            rows={tokens}
            rowKey={(t) => t.id}
            caption="Your API keys"
            columns={[
              { label: "Name", cell: (t) => t.name },
              { label: "Key", cell: (t) => <code>{t.prefix}…</code> },
              { label: "Created", cell: (t) => <When ms={t.createdAt} /> },
              { label: "Last used", cell: (t) => <When ms={t.lastUsedAt} as="relative" empty="Never" /> },
              {
                label: "",
                className: "actions",
                cell: (t) => (
                  <Form method="post">
                    <CsrfInput />
                    <input type="hidden" name="tokenId" value={t.id} />
                    <button type="submit" name="intent" value="revoke-token" className="danger small" aria-label={`Revoke ${t.name}`}>
                      Revoke
                    </button>
                  </Form>
                ),
              },
            ]}
          />
        ) : (
          <p className="muted">No API keys yet. You only need one to use the API from your own programs.</p>
        )}
      </section>

      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title">Signed-in devices</h2>
        <HistoryTable
          rows={sessions}
          rowKey={(s) => s.id}
          caption="Devices signed in to your account"
          columns={[
            {
              label: "Device",
              cell: (s) => (
                <span title={s.userAgent ?? undefined}>
                  {deviceLabel(s.userAgent)} {s.current ? <span className="badge tone-info">This device</span> : null}
                </span>
              ),
            },
            { label: "Signed in", cell: (s) => <When ms={s.createdAt} /> },
            { label: "Last seen", cell: (s) => <When ms={s.lastSeenAt} as="relative" empty="Never" /> },
            {
              label: "",
              className: "actions",
              cell: (s) => (
                <Form method="post">
                  <CsrfInput />
                  <input type="hidden" name="sessionId" value={s.id} />
                  <button type="submit" name="intent" value="revoke-session" className="small secondary" aria-label={`Sign out ${deviceLabel(s.userAgent)}${s.current ? " (this device)" : ""}`}>
                    Sign out
                  </button>
                </Form>
              ),
            },
          ]}
        />
        <Form method="post" className="stack">
          <CsrfInput />
          <label className="checkbox">
            <input type="checkbox" name="revokeTokens" defaultChecked /> Also revoke all my API keys (programs using them stop working)
          </label>
          <SubmitButton name="intent" value="logout-everywhere" className="danger" pendingText="Logging out…">
            Log out everywhere
          </SubmitButton>
        </Form>
      </section>
    </div>
  );
}

import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { getSessionUser, destroySessionCookie, revokeSession } from "~/modules/auth/session.server";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { readForm } from "~/utils/forms.server";

/** POST only: revokes this browser's session row and clears the cookie. */
export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  await readForm(app, request);
  const user = await getSessionUser(app, request);
  if (user?.sessionId) {
    await revokeSession(app, user.id, user.sessionId);
    app.logger.info("auth.logged_out", { userId: user.id, sessionId: user.sessionId });
  }
  return redirect("/", { headers: { "Set-Cookie": await destroySessionCookie(app) } });
}

export async function loader() {
  return redirect("/");
}

/** Never rendered (both handlers redirect); it makes refusals of the form show the error page. */
export default function Logout() {
  return null;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

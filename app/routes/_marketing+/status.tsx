import { data, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { useFormat } from "~/utils/format";
import { checkHealth } from "~/modules/observability/health.server";
import { branded } from "~/utils/meta";

export const headers: HeadersFunction = ({ loaderHeaders }) => loaderHeaders;

export const meta: MetaFunction = ({ matches }) => [{ title: branded(matches, "Status · Coursemint") }];

/** The footer's "Status": the checks of /api/health in words, for people (the JSON is for monitors). */
export async function loader({ context }: LoaderFunctionArgs) {
  const { app } = context;
  const health = await checkHealth(app.env.DB, app.config, () => app.logger);
  return data({ health, checkedAt: Date.now() }, { status: health.status === "ok" ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}

export default function Status() {
  const { health, checkedAt } = useLoaderData<typeof loader>();
  const f = useFormat();
  const ok = health.status === "ok";
  return (
    <section className="stack narrow-left">
      <h1>Status</h1>
      <p className={`alert ${ok ? "success" : "error"}`} role="status" data-testid="status-summary">
        {ok ? "Everything is working." : "Coursemint is degraded: the database is not answering. Payments and sign-ins may fail; please try again in a few minutes."}
      </p>
      <dl className="facts">
        <dt>Database</dt>
        <dd>{health.checks.database.ok ? `Answering (${f.number(health.checks.database.latencyMs)} ms)` : "Not answering"}</dd>
        <dt>Version</dt>
        <dd>{health.version}</dd>
        <dt>Checked</dt>
        <dd>{f.dateTime(checkedAt)}</dd>
      </dl>
      <p className="muted">
        For monitoring: <a href="/api/health">/api/health</a> answers the same checks as JSON (503 when degraded).
      </p>
    </section>
  );
}

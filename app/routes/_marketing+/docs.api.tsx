import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { Fragment } from "react";
import { apiReference, type FieldRow, type ReferenceEndpoint } from "~/modules/openapi/reference.server";

export const meta: MetaFunction = () => [
  { title: "API reference · Coursemint" },
  { name: "description", content: "Every Coursemint /api endpoint: authentication, request and response fields, examples and errors." },
];

/** The API reference, rendered on the server from GET /api/openapi.json (works without JavaScript). */
export async function loader({ context, request }: LoaderFunctionArgs) {
  return apiReference(context.app.env.ASSETS, request.url);
}

/** `code` and **bold** in the descriptions, nothing else. */
function Text({ children }: { children: string }) {
  return (
    <>
      {children.split(/(`[^`]+`|\*\*[^*]+\*\*)/g).map((part, i) =>
        part.startsWith("`") ? <code key={i}>{part.slice(1, -1)}</code> : part.startsWith("**") ? <strong key={i}>{part.slice(2, -2)}</strong> : <Fragment key={i}>{part}</Fragment>,
      )}
    </>
  );
}

function Fields({ rows, caption, withIn = false }: { rows: Array<FieldRow & { in?: string }>; caption: string; withIn?: boolean }) {
  if (!rows.length) return null;
  return (
    <div className="table-scroll">
      <table className="fields">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            {withIn ? <th scope="col">In</th> : null}
            <th scope="col">Type</th>
            <th scope="col">Notes</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.in ?? ""}${r.name}`}>
              <td>
                <code>{r.name}</code>
                {r.required ? <span className="badge">required</span> : null}
              </td>
              {withIn ? <td>{r.in}</td> : null}
              <td>
                <code className="type">{r.type}</code>
              </td>
              <td>
                <Text>{r.notes}</Text>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Endpoint({ e }: { e: ReferenceEndpoint }) {
  const success = e.responses.filter((r) => !r.error);
  const errors = e.responses.filter((r) => r.error);
  return (
    <section className="endpoint card stack" id={e.anchor} aria-labelledby={`${e.anchor}-title`}>
      <h3 id={`${e.anchor}-title`}>
        <span className={`method method-${e.method.toLowerCase()}`}>{e.method}</span> <code className="path">{e.path}</code>
      </h3>
      <p>
        <strong>{e.summary}.</strong> <Text>{e.description}</Text>
      </p>
      <dl className="facts">
        <dt>Auth</dt>
        <dd>
          <Text>{e.auth}</Text>
        </dd>
        {e.idempotent ? (
          <>
            <dt>Idempotency</dt>
            <dd>
              Send an <code>Idempotency-Key</code> header: the same key and body replay the first response (<code>Idempotent-Replayed: true</code>); the same key with another body is 409{" "}
              <code>idempotency_conflict</code>.
            </dd>
          </>
        ) : null}
        {e.paginated ? (
          <>
            <dt>Pagination</dt>
            <dd>
              Pass <code>nextCursor</code> back as <code>cursor</code> (with the same filters) until it is <code>null</code>; <code>limit</code> sets the page size.
            </dd>
          </>
        ) : null}
      </dl>
      {e.parameters.length ? (
        <>
          <h4>Parameters</h4>
          <Fields rows={e.parameters} caption={`Parameters of ${e.method} ${e.path}`} withIn />
        </>
      ) : null}
      {e.requestBody ? (
        <>
          <h4>
            Request body <span className="muted">({e.requestBody.contentType}{e.requestBody.required ? "" : ", optional"})</span>
          </h4>
          <Fields rows={e.requestBody.fields} caption={`Request body of ${e.method} ${e.path}`} />
        </>
      ) : null}
      <h4>Responses</h4>
      {success.map((r) => (
        <div key={r.status} className="stack">
          <p>
            <span className="status status-succeeded">{r.status}</span> <Text>{r.description}</Text>
            {r.contentType && r.contentType !== "application/json" ? <span className="muted"> ({r.contentType})</span> : null}
            {!r.contentType ? <span className="muted"> No body.</span> : null}
          </p>
          <Fields rows={r.fields} caption={`Response ${r.status} of ${e.method} ${e.path}`} />
        </div>
      ))}
      <p>
        <strong>Errors</strong> (the <a href="#errors">error body</a>):
      </p>
      <ul className="error-list">
        {errors.map((r) => (
          <li key={r.status}>
            <span className="status status-failed">{r.status}</span> <Text>{r.description}</Text>
          </li>
        ))}
      </ul>
      <h4>Examples</h4>
      {e.examples.map((x) => (
        <details key={x.name} className="example" open={x === e.examples[0]}>
          <summary>
            {x.summary} <span className="muted">→ {x.status}</span>
          </summary>
          <p className="muted">As {x.caller}.</p>
          <pre>
            <code>{x.request + (x.body ? `\n\n${x.body}` : "")}</code>
          </pre>
          <p>
            Answer: <strong>{x.status}</strong>
          </p>
          {x.response ? (
            <pre>
              <code>{x.response}</code>
            </pre>
          ) : null}
        </details>
      ))}
    </section>
  );
}

export default function ApiReference() {
  const ref = useLoaderData<typeof loader>();
  return (
    <div className="stack-lg api-reference">
      <section className="stack">
        <h1>API reference</h1>
        <p>
          Every <code>/api</code> endpoint of Coursemint {ref.version}, generated from the same zod schemas the endpoints validate with. The machine-readable document is{" "}
          <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1); every example below is sent to the running app by the test suite and its real answer is checked against
          the schema shown.
        </p>
        <h2>Basics</h2>
        <ul>
          <li>
            Base URL: this site&apos;s origin. Bodies are JSON (<code>Content-Type: application/json</code>) unless an endpoint says otherwise.
          </li>
          <li>
            Programs authenticate with a personal API key: <code>Authorization: Bearer cm_…</code>, created on <a href="/account">your account page</a>; it acts with your role.
            Browsers use the session cookie; cookie-authenticated writes must come from this origin.
          </li>
          <li>Money is integer minor units with an ISO currency (4999 = $49.99); times are epoch milliseconds; ids are prefixed (<code>usr_</code>, <code>pay_</code>, <code>crs_</code> …).</li>
          <li>
            Every response carries <code>X-Request-Id</code>: quote it when reporting a problem.
          </li>
        </ul>
        <nav aria-label="Endpoints" className="toc">
          <h2>Endpoints</h2>
          {ref.groups.map((g) => (
            <div key={g.name}>
              <h3>
                <a href={`#${g.name.toLowerCase()}`}>{g.name}</a>
              </h3>
              <ul>
                {g.endpoints.map((e) => (
                  <li key={e.anchor}>
                    <a href={`#${e.anchor}`}>
                      <span className={`method method-${e.method.toLowerCase()}`}>{e.method}</span> <code>{e.path}</code>
                    </a>{" "}
                    <span className="muted">{e.summary}</span>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          <h3>
            <a href="#errors">Errors</a>
          </h3>
        </nav>
      </section>

      <section id="errors" className="stack" aria-labelledby="errors-title">
        <h2 id="errors-title">Errors</h2>
        <p>
          Every error has the same body and an HTTP status that matches its code; <code>message</code> is safe to show to a person, and no internals are ever included.
        </p>
        <pre>
          <code>{`{ "error": { "code": "validation_failed", "message": "Some fields are invalid.",
             "details": { "fieldErrors": { "name": ["Name is required"] } } } }`}</code>
        </pre>
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Code</th>
                <th scope="col">Meaning</th>
              </tr>
            </thead>
            <tbody>
              {ref.errors.map((row) => (
                <tr key={row.code}>
                  <td>{row.status}</td>
                  <td>
                    <code>{row.code}</code>
                  </td>
                  <td>
                    <Text>{row.meaning}</Text>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      {ref.groups.map((g) => (
        <section key={g.name} id={g.name.toLowerCase()} className="stack-lg" aria-labelledby={`${g.name}-title`}>
          <div>
            <h2 id={`${g.name}-title`}>{g.name}</h2>
            <p className="muted">{g.description}</p>
          </div>
          {g.endpoints.map((e) => (
            <Endpoint key={e.anchor} e={e} />
          ))}
        </section>
      ))}
    </div>
  );
}
